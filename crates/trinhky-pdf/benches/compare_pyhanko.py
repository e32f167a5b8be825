#!/usr/bin/env python3
"""Time pyHanko (in-process, warm) on the same file and keys as benches/sign.rs.

Usage: compare_pyhanko.py BENCH_DIR   (the TRINHKY_BENCH_DIR the Rust bench wrote)
Prints median / p10 / p90 in ms for signing (invisible field and a visible
field with pyHanko's default stamp) and validating the file signed by trinhky.
"""
import io
import statistics
import sys
import time
from pathlib import Path

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

d = Path(sys.argv[1])
data = (d / "two-page.pdf").read_bytes()
signed = (d / "signed-both.pdf").read_bytes()
ca = load_cert_from_pemder(str(d / "pki/ca.pem"))
crl = (d / "pki/ca.crl").read_bytes()
signer = signers.SimpleSigner.load_pkcs12(str(d / "pki/nguyen-van-an.p12"), passphrase=b"2468")


def sign(visible):
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    spec = fields.SigFieldSpec("Sig1", box=(365, 591, 485, 639), on_page=1) if visible else fields.SigFieldSpec("Sig1")
    meta = signers.PdfSignatureMetadata(field_name="Sig1", subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(w, meta, signer=signer, new_field_spec=spec).getvalue()


def validate():
    vc = ValidationContext(trust_roots=[ca], crls=[crl], allow_fetching=False)
    r = PdfFileReader(io.BytesIO(signed))
    out = [validate_pdf_signature(s, vc) for s in r.embedded_signatures]
    assert all(s.intact and s.valid and s.trusted for s in out), out
    return out


def timeit(name, f, n):
    for _ in range(5):
        f()  # warm up
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    print(f"pyhanko {name}: median {statistics.median(xs):.2f} ms  p10 {xs[len(xs)//10]:.2f}  p90 {xs[len(xs)*9//10]:.2f}  (n={n})")


timeit("sign invisible", lambda: sign(False), 60)
timeit("sign visible (default stamp)", lambda: sign(True), 60)
timeit("validate 2 signatures", validate, 40)
