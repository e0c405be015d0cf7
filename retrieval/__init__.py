"""citewire retrieval: article parsing, chunking, embedding, the index and the retriever."""
