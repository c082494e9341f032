#!/usr/bin/env python3
"""Wheelhouse helper for the Python stand-in image (build time only).

  wheelhouse.py deb OUTDIR PACKAGE.deb... repackage Debian python3-* binary
                                         packages as wheels
  wheelhouse.py check OUTDIR VERSIONS    the wheels in OUTDIR are exactly the
                                         name==version lines of VERSIONS

A Debian python3-* package installs one distribution into
/usr/lib/python3/dist-packages: its modules plus a .dist-info or .egg-info
folder. The wheel gets those modules and a dist-info with the same metadata
(Requires-Dist taken from METADATA, or converted from the egg-info's
requires.txt), so pip resolves its dependencies as from PyPI.
"""
import base64
import email.parser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

DIST = "usr/lib/python3/dist-packages"


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def serialize(meta):
    """Message -> METADATA bytes, one header a line (no folding: pip's parser
    does not unfold Requires-Dist continuation lines)."""
    head = "".join("%s: %s\n" % (k, " ".join(str(v).split())) for k, v in meta.items())
    body = meta.get_payload()
    return (head + ("\n" + body if body else "")).encode()


def requires_from_egg(text):
    """requires.txt sections -> Requires-Dist values."""
    out, extra, marker = [], None, None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^\[(.*)\]$", line)
        if m:
            sect = m.group(1)
            extra, _, marker = sect.partition(":")
            extra, marker = extra or None, marker or None
            continue
        conds = []
        if marker:
            conds.append("(%s)" % marker)
        if extra:
            conds.append('extra == "%s"' % extra)
        out.append(line + ("; " + " and ".join(conds) if conds else ""))
    return out


def deb_to_wheel(deb, outdir):
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
        site = os.path.join(tmp, DIST)
        infos = [e for e in os.listdir(site) if e.endswith((".dist-info", ".egg-info"))]
        if len(infos) != 1:
            sys.exit("%s: expected one .dist-info/.egg-info, found %s" % (deb, infos))
        info = os.path.join(site, infos[0])
        files = {}
        if infos[0].endswith(".dist-info"):
            for f in os.listdir(info):
                if f in ("METADATA", "entry_points.txt", "top_level.txt") or f.startswith("LICENSE"):
                    with open(os.path.join(info, f), "rb") as fh:
                        files[f] = fh.read()
            meta = email.parser.BytesParser().parsebytes(files["METADATA"])
        else:
            with open(os.path.join(info, "PKG-INFO"), "rb") as fh:
                meta = email.parser.BytesParser().parsebytes(fh.read())
            req = os.path.join(info, "requires.txt")
            if os.path.exists(req):
                del meta["Requires-Dist"]
                with open(req) as fh:
                    for r in requires_from_egg(fh.read()):
                        meta["Requires-Dist"] = r
            if meta.get("Metadata-Version", "1.0") < "2.1":
                meta.replace_header("Metadata-Version", "2.1")
            files["METADATA"] = serialize(meta)
            for f in ("entry_points.txt", "top_level.txt"):
                p = os.path.join(info, f)
                if os.path.exists(p):
                    with open(p, "rb") as fh:
                        files[f] = fh.read()
        name, version = meta["Name"], meta["Version"]
        if "+" in version:
            # Debian's repack label (e.g. 11.1.2+ds1) is not the upstream
            # release that pip users pin.
            version = version.split("+", 1)[0]
            meta.replace_header("Version", version)
            files["METADATA"] = serialize(meta)

        payload = []  # (archive name, real path)
        compiled = False
        for entry in sorted(os.listdir(site)):
            if entry == infos[0]:
                continue
            top = os.path.join(site, entry)
            walk = [(top, entry)] if os.path.isfile(top) or os.path.islink(top) else []
            if os.path.isdir(top) and not os.path.islink(top):
                for dp, dns, fns in os.walk(top):
                    dns[:] = [d for d in dns if d != "__pycache__"]
                    for fn in fns:
                        p = os.path.join(dp, fn)
                        walk.append((p, os.path.relpath(p, site)))
            for p, arc in walk:
                if os.path.islink(p):
                    target = os.readlink(p)
                    # Debian points some files at other packages (/usr/...):
                    # follow into this package's tree, else leave them out.
                    real = os.path.join(tmp, target.lstrip("/")) if target.startswith("/") else os.path.join(os.path.dirname(p), target)
                    if not os.path.exists(real) or os.path.isdir(real):
                        continue
                    p = real
                if arc.endswith(".so") or ".so." in arc:
                    compiled = True
                payload.append((arc, p))

        if compiled:
            v = sys.version_info
            py = "cp%d%d" % (v.major, v.minor)
            plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
            tag = "%s-%s-%s" % (py, py, plat)
        else:
            tag = "py3-none-any"
        dname = re.sub(r"[-_.]+", "_", name)
        distinfo = "%s-%s.dist-info" % (dname, version)
        files["WHEEL"] = ("Wheel-Version: 1.0\nGenerator: stackgen-standin-wheelhouse\n"
                          "Root-Is-Purelib: %s\nTag: %s\n" % ("false" if compiled else "true", tag)).encode()
        whl = os.path.join(outdir, "%s-%s-%s.whl" % (dname, version, tag))
        record = []
        with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
            def add(arc, data):
                z.writestr(zipfile.ZipInfo(arc, (2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                record.append("%s,sha256=%s,%d" % (arc, digest, len(data)))
            for arc, p in payload:
                with open(p, "rb") as fh:
                    add(arc, fh.read())
                if os.access(p, os.X_OK):
                    z.getinfo(arc).external_attr = 0o755 << 16
            for f, data in sorted(files.items()):
                add("%s/%s" % (distinfo, f), data)
            record.append("%s/RECORD,," % distinfo)
            z.writestr(zipfile.ZipInfo("%s/RECORD" % distinfo, (2020, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
        print("%s -> %s" % (os.path.basename(deb), os.path.basename(whl)))
    finally:
        shutil.rmtree(tmp)


def check(outdir, versions):
    have = {}
    for f in os.listdir(outdir):
        if f.endswith(".whl"):
            name, version = f.split("-")[:2]
            have[norm(name)] = version
    want = {}
    with open(versions) as fh:
        for line in fh:
            line = line.split("#")[0].strip()
            if line:
                n, _, v = line.partition("==")
                want[norm(n)] = v
    if have != want:
        print("wheelhouse does not match %s" % versions, file=sys.stderr)
        for n in sorted(set(have) | set(want)):
            if have.get(n) != want.get(n):
                print("  %s: built %s, VERSIONS.txt says %s" % (n, have.get(n), want.get(n)), file=sys.stderr)
        sys.exit(1)
    print("wheelhouse matches %s (%d wheels)" % (versions, len(have)))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "deb":
        for deb in sys.argv[3:]:
            deb_to_wheel(deb, sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
