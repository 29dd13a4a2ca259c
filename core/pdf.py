"""PDFs made on the server from a page's HTML (WeasyPrint: Pango from the system, Noto CJK fonts from Debian)."""
from __future__ import annotations


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load Pango on this machine; the message names the packages to install (a 503)."""


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of `html` as printed (``@media print`` applies; the page size comes from its ``@page``)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Python package is there, the system's Pango is not
        raise PdfUnavailable("服务器缺少 Pango，暂时无法生成 PDF（请安装 libpango-1.0-0 libpangoft2-1.0-0）；"
                             "可先用打印版。") from exc
    return HTML(string=html, base_url=base_url).write_pdf()
