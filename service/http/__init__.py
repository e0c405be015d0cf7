"""The HTTP layer: the FastAPI app, its routes, schemas, middleware, SSE, OpenAI formats, error
mapping, and the admission queue and job runner that stand between the routes and the pipeline."""
