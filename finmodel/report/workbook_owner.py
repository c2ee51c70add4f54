"""Is this .xlsx a Template 2 workbook that finmodel wrote and nobody has saved since?

``finmodel template2 --out FILE`` replaces FILE only then: a workbook a finance lead
has edited and saved in Excel or LibreOffice holds their work, and is never
replaced without ``--force``.  finmodel stamps its workbooks' document properties
(author ``finmodel``, created = modified); an office suite that saves the file
records itself as the last modifier and moves the modified time.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

AUTHOR = "finmodel"
_MAX_CORE_XML_BYTES = 64 * 1024


def _tag(xml: str, name: str) -> str | None:
    m = re.search(rf"<{name}[^>]*>([^<]*)</{name}>", xml)
    return m.group(1).strip() if m else None


def written_by_finmodel_unsaved(path: Path) -> bool:
    """True if ``path`` is finmodel's workbook, as finmodel wrote it (by its document properties)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > _MAX_CORE_XML_BYTES:
                return False
            xml = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    if _tag(xml, "dc:creator") != AUTHOR:
        return False
    modifiers = [m.strip() for m in re.findall(r"<cp:lastModifiedBy[^>]*>([^<]*)</cp:lastModifiedBy>", xml)]
    if any(m not in ("", AUTHOR) for m in modifiers):
        return False
    return _tag(xml, "dcterms:created") == _tag(xml, "dcterms:modified")
