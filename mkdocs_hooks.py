"""mkdocs hooks (``hooks`` in mkdocs.yml): links to example DAG files, for the built site.

Each ``--8<--`` include of an example DAG has a link to its file beside it,
``[...](../example_dags/<dag>.py)``: on the repository host, where the pages show the include
lines instead of the code, that opens the file. The site does not publish example_dags/, so
there the same link goes to the file's section of the Example DAGs page, which shows it whole.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

#: A Markdown link to a file of example_dags/, from a page anywhere under docs/.
EXAMPLE_DAG_LINK = re.compile(r"\]\((?:\.\./)+example_dags/(\w+)\.py\)")
EXAMPLE_DAGS_PAGE = "example-dags.md"


def site_links(markdown: str, page_uri: str) -> str:
    """``markdown`` (of the page at ``page_uri`` in docs/) with each link to an example DAG
    file turned into a link to its section of the Example DAGs page."""
    page = posixpath.relpath(EXAMPLE_DAGS_PAGE, posixpath.dirname(page_uri) or ".")
    return EXAMPLE_DAG_LINK.sub(lambda link: f"]({page}#{link[1]})", markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    return site_links(markdown, page.file.src_uri)
