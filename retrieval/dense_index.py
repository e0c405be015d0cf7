"""The dense (FAISS) part of the index, its type chosen by corpus size.

Below `DenseSettings.exact_limit` passages: exact inner-product search (`IndexFlatIP` in an
`IndexIDMap2`). From there on: an inverted-file index (IVF) with about 4·sqrt(N) lists, searched
with `nprobe` lists. Its vectors are 8-bit scalar-quantised by default ("ivf-sq8"; "ivf-flat"
keeps float32). The ids live in the lists and a hash-table direct map, so `add_with_ids`,
`remove_ids` (see `remove_ids`) and `reconstruct(id)` keep working. The coarse quantiser is
trained on the vectors present when the index is built and rebuilt once the corpus has grown or
shrunk `retrain_growth`-fold. Vectors are L2-normalised, so inner product is cosine.
The defaults are measured by bench/scale.py.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

logger = logging.getLogger(__name__)
KINDS = ("flat", "ivf-flat", "ivf-sq8")
MIN_TRAIN_PER_LIST = 39  # below this FAISS's k-means warns; fewer lists are used instead
EXACT_FILTER_LIMIT = 1_000  # an IVF search whose filter leaves at most this many ids is done exactly
# a filtered IVF search probes more lists, at most this many times the unfiltered nprobe (bench.scale:
# at 1M passages, recall within 0.002 of probing proportionally more, 2-4x faster for narrow filters)
FILTER_NPROBE_FACTOR = 16


@dataclass(frozen=True)
class DenseSettings:
    """How the dense index is shaped; see the module docstring."""

    exact_limit: int = 100_000
    ivf_kind: str = "ivf-sq8"
    lists_per_sqrt: float = 4.0
    nprobe: int = 64
    retrain_growth: float = 4.0
    train_per_list: int = 50

    def __post_init__(self) -> None:
        if self.ivf_kind not in KINDS[1:]:
            raise ValueError(f"ivf_kind must be one of {KINDS[1:]}, not {self.ivf_kind!r}")


@dataclass(frozen=True)
class DenseLayout:
    """What a dense index is, as recorded in the manifest under "dense"."""

    kind: str = "flat"
    nlist: int = 0
    nprobe: int = 0
    trained_on: int = 0  # vectors present when the IVF was trained

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any] | None) -> DenseLayout:
        """Manifests written before the field existed describe an exact index."""
        return cls(**manifest["dense"]) if manifest and "dense" in manifest else cls()


def choose_layout(n: int, current: DenseLayout, settings: DenseSettings) -> DenseLayout:
    """The layout for `n` vectors: `current` while it still fits, else a new one. Pure."""
    if current.kind == "flat" and n < settings.exact_limit:
        return current
    if current.kind != "flat" and n < settings.exact_limit // 2:  # hysteresis: no flip-flop at the limit
        return DenseLayout()
    grown = current.trained_on * settings.retrain_growth
    if current.kind == settings.ivf_kind and current.trained_on / settings.retrain_growth <= n < grown:
        return dataclasses.replace(current, nprobe=settings.nprobe)
    nlist = max(1, min(round(settings.lists_per_sqrt * math.sqrt(n)), n // MIN_TRAIN_PER_LIST))
    return DenseLayout(settings.ivf_kind, nlist, settings.nprobe, n)


def use_threads(threads: int) -> None:
    """FAISS's OpenMP threads for this process. One query at a time is served fastest by one
    thread: with two, each search waits for a core that generation or the embedder holds."""
    faiss.omp_set_num_threads(threads)


def empty_index(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def build_index(vectors: np.ndarray, ids: np.ndarray, layout: DenseLayout, settings: DenseSettings) -> faiss.Index:
    """A new index of `layout` holding `vectors` under `ids` (trained on them for IVF)."""
    index = empty_index(vectors.shape[1]) if layout.kind == "flat" else _trained_ivf(vectors, layout, settings)
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def fit_index(
    index: faiss.Index, ids: np.ndarray, current: DenseLayout, settings: DenseSettings
) -> tuple[faiss.Index, DenseLayout]:
    """Rebuild `index` (holding exactly `ids`) when its size calls for another layout."""
    wanted = choose_layout(len(ids), current, settings)
    if wanted == current:
        return index, current
    if dataclasses.replace(wanted, nprobe=current.nprobe) == current:
        faiss.extract_index_ivf(index).nprobe = wanted.nprobe
        return index, wanted
    logger.info("rebuilding the dense index for %d vectors: %s -> %s", len(ids), current, wanted)
    vectors = index.reconstruct_batch(ids) if len(ids) else np.zeros((0, index.d), dtype=np.float32)
    return build_index(vectors, ids, wanted, settings), wanted


def remove_ids(index: faiss.Index, ids: list[int]) -> None:
    """`index.remove_ids` with the selector each type needs (IVF's hash table wants an array)."""
    array = np.asarray(ids, dtype=np.int64)
    ivf = _ivf_of(index)
    index.remove_ids(faiss.IDSelectorBatch(array) if ivf is None else faiss.IDSelectorArray(array))


def search(
    index: faiss.Index,
    query: np.ndarray,
    top_k: int,
    allowed: np.ndarray | None = None,
    exact_filter_limit: int = EXACT_FILTER_LIMIT,
) -> list[tuple[int, float]]:
    """The `top_k` (id, cosine) nearest to one query vector (shape (1, dim)), among `allowed`
    (an int64 array of ids, ascending).

    IVF with a filter probes proportionally more lists (up to FILTER_NPROBE_FACTOR times more), so
    about as many allowed vectors are scanned as in an unfiltered search; a filter leaving at most
    `exact_filter_limit` ids is searched exactly over those ids' vectors. The filter is a bitmap
    (built in milliseconds even for 500,000 ids, where a hash set took 100 ms)."""
    top_k = min(top_k, index.ntotal if allowed is None else len(allowed))
    if top_k <= 0:
        return []
    ivf = _ivf_of(index)
    bitmap = None if allowed is None else np.packbits(_member_mask(allowed), bitorder="little")
    selector = None if bitmap is None else faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
    params: faiss.SearchParameters | None
    if ivf is None:
        params = None if selector is None else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
    elif allowed is None:
        params = faiss.SearchParametersIVF(nprobe=ivf.nprobe)  # type: ignore[call-arg]
    elif len(allowed) <= exact_filter_limit:
        return _exact_among(index, query, top_k, allowed)
    else:
        wanted = math.ceil(ivf.nprobe * index.ntotal / len(allowed))
        nprobe = min(ivf.nlist, wanted, FILTER_NPROBE_FACTOR * ivf.nprobe)
        params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
    scores, ids = index.search(query, top_k, params=params)
    return [(int(cid), float(score)) for cid, score in zip(ids[0], scores[0], strict=True) if cid >= 0]


def _member_mask(ids: np.ndarray) -> np.ndarray:
    mask = np.zeros(int(ids.max()) + 1, dtype=bool)
    mask[ids] = True
    return mask


def _exact_among(index: faiss.Index, query: np.ndarray, top_k: int, ids: np.ndarray) -> list[tuple[int, float]]:
    scores = index.reconstruct_batch(ids) @ query[0]
    best = np.argsort(-scores, kind="stable")[:top_k]
    return [(int(ids[i]), float(scores[i])) for i in best]


def _trained_ivf(vectors: np.ndarray, layout: DenseLayout, settings: DenseSettings) -> faiss.IndexIVF:
    dim = vectors.shape[1]
    quantizer = faiss.IndexFlatIP(dim)
    ivf: faiss.IndexIVF
    if layout.kind == "ivf-sq8":
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, layout.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    else:
        ivf = faiss.IndexIVFFlat(quantizer, dim, layout.nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.spherical = True  # centroids on the unit sphere, like the vectors
    sample_size = min(len(vectors), settings.train_per_list * layout.nlist)
    sample = vectors[np.random.default_rng(0).choice(len(vectors), sample_size, replace=False)]
    ivf.train(np.ascontiguousarray(sample))
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    ivf.nprobe = layout.nprobe
    return ivf


def _ivf_of(index: faiss.Index) -> faiss.IndexIVF | None:
    ivf: faiss.IndexIVF | None = faiss.try_extract_index_ivf(index)
    return ivf
