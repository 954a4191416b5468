#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from crates/core/tests/fixtures/ into fuzz/corpus/<target>/.
Idempotent: seeds are named after their content's hash."""
import hashlib, json, os, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent
fx = root / "crates" / "core" / "tests" / "fixtures"
out = root / "fuzz" / "corpus"

def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)

def read(p):
    return (fx / p).read_bytes()

ls_v1 = json.loads(read("v1/localstorage.json"))
ls_v2 = json.loads(read("v2/localstorage.json"))
idb_v3 = json.loads(read("v3/indexeddb.json"))
natives = [read("v1/seed.spantag.json")] + [v.encode() for k, v in {**ls_v1, **ls_v2}.items() if ":doc:" in k]
for rec in idb_v3.values():
    try:
        natives.append(json.loads(rec)["payload"].encode())
    except (ValueError, KeyError, TypeError):
        pass
for n in natives:
    put("native", n)
by_format = {
    "w3c": ["w3c/news.jsonld"],
    "doccano": ["doccano/news.jsonl", "doccano/news-seq.jsonl"],
    "labelstudio": ["labelstudio/news.json"],
    "prodigy": ["prodigy/news.jsonl"],
    "conll": ["conll/news.conll"],
}
for target, files in by_format.items():
    for f in files:
        put(target, read(f))
# brat: a selector byte (0 .brat.zip, 1 .ann, 2 .zip), then the bytes.
put("brat", b"\x00" + read("brat/news-stored.zip"))
put("brat", b"\x02" + read("brat/news-deflated.zip"))
put("brat", b"\x01" + read("brat/news.ann"))
# formats_import: the name selector (see fuzz_targets/formats_import.rs), then the bytes.
names = ["x.spantag.json", "x.jsonld", "x.json", "x.jsonl", "x.zip", "x.ann", "x.conll", "x.bio", "x.txt", "x"]
pick = {n: bytes([i]) for i, n in enumerate(names)}
put("formats_import", pick["x.spantag.json"] + natives[0])
put("formats_import", pick["x.jsonld"] + read("w3c/news.jsonld"))
put("formats_import", pick["x.jsonl"] + read("doccano/news.jsonl"))
put("formats_import", pick["x.jsonl"] + read("doccano/news-seq.jsonl"))
put("formats_import", pick["x.json"] + read("labelstudio/news.json"))
put("formats_import", pick["x.jsonl"] + read("prodigy/news.jsonl"))
put("formats_import", pick["x.conll"] + read("conll/news.conll"))
put("formats_import", pick["x.zip"] + read("brat/news-stored.zip"))
put("formats_import", pick["x.ann"] + read("brat/news.ann"))
# storage_open: flag byte (even: fix checksums), then up to 4 NUL-separated values:
# the document's record, backups 0 and 1, the localStorage value of versions 1 and 2.
recs = [v for k, v in idb_v3.items()]
main = [v for k, v in idb_v3.items() if ":doc:" in k]
baks = [v for k, v in idb_v3.items() if ":bak:" in k]
legacy = [v for k, v in {**ls_v1, **ls_v2}.items() if ":doc:" in k]
for flag in (b"\x00", b"\x01"):
    put("storage_open", flag + "\0".join(main[:1] + baks[:2]).encode())
    put("storage_open", flag + "\0".join(["", "", "", legacy[-1]]).encode())
    put("storage_open", flag + "\0".join([main[0][: len(main[0]) // 2]] + baks[:2]).encode())
print("seeds in", out, file=sys.stderr)
