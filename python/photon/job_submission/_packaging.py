"""Packs a local working_dir into the zip a dashboard stores and names it
the way Ray's client does: gcs://_ray_pkg_<sha1 of the zip bytes>.zip.

The zip is reproducible (sorted entries, fixed timestamps), so the same
directory always gets the same name and is uploaded once. Entries are paths
relative to the directory; a symlink is stored as the file it points at when
that file lies inside the directory, and left out otherwise, so a package
never reaches outside its folder.
"""

import fnmatch
import hashlib
import io
import logging
import os
import shutil
import stat
import zipfile

logger = logging.getLogger(__name__)

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can record
_PREFIX = "_ray_pkg_"


def uri_for_bytes(data: bytes) -> str:
    return f"gcs://{_PREFIX}{hashlib.sha1(data).hexdigest()}.zip"


def is_uri(value: str) -> bool:
    return "://" in value


def split_uri(uri: str):
    """("gcs", "_ray_pkg_....zip") for "gcs://_ray_pkg_....zip"."""
    protocol, _, name = uri.partition("://")
    return protocol, name


def zip_directory(directory: str, excludes=()) -> bytes:
    """The zip of `directory`'s contents. `excludes` holds glob patterns
    matched against each path relative to `directory` and against its base
    name ("*.pyc", "data/", ".git")."""
    root = os.path.realpath(directory)
    if not os.path.isdir(root):
        raise ValueError(f"working_dir {directory!r} is not a directory")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            rel_dir = os.path.relpath(dirpath, root)
            dirnames[:] = sorted(d for d in dirnames if _keep_dir(root, dirpath, rel_dir, d, excludes))
            for d in dirnames:
                zf.writestr(_dir_info(_join(rel_dir, d) + "/"), b"")
            for name in sorted(filenames):
                rel = _join(rel_dir, name)
                if not _excluded(rel, False, excludes):
                    _add_file(zf, root, os.path.join(dirpath, name), rel)
    return buf.getvalue()


def _join(rel_dir, name):
    return name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")


def _excluded(rel, is_dir, excludes):
    base = rel.rsplit("/", 1)[-1]
    for pattern in excludes:
        if pattern.endswith("/"):
            if not is_dir:
                continue
            pattern = pattern.rstrip("/")
        pattern = pattern.lstrip("/")
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(base, pattern):
            return True
    return False


def _keep_dir(root, dirpath, rel_dir, name, excludes):
    if _excluded(_join(rel_dir, name), True, excludes):
        return False
    if os.path.islink(os.path.join(dirpath, name)):
        logger.warning("working_dir: leaving out %s: a symlinked directory", os.path.join(dirpath, name))
        return False
    return True


def _inside(root, path):
    return os.path.commonpath([root, path]) == root


def _add_file(zf, root, path, rel):
    if os.path.islink(path):
        target = os.path.realpath(path)
        if not (_inside(root, target) and os.path.isfile(target)):
            logger.warning("working_dir: leaving out %s: a symlink to %s, outside %s", path, target, root)
            return
        path = target
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        logger.warning("working_dir: leaving out %s: not a regular file", path)
        return
    info = zipfile.ZipInfo(rel, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | (0o755 if st.st_mode & 0o111 else 0o644)) << 16
    with open(path, "rb") as src, zf.open(info, "w") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _dir_info(name):
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10  # 0x10: MS-DOS directory flag
    return info
