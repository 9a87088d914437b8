"""What a new user reads in the first hour is true and self-contained.

No page points outside the repository (issues, "wire notes", an issue's item numbers); the page
"From the emulator to the real service" is in the site's navigation, names every target and
backend of the emulator's catalogue (and no page names one it lacks), and only hook methods that
exist; the Heron gates are listed one way, the emulator's backend configuration's; the
connection docs say how to enable Airflow 3's connection test; the README installs from the
clone, lists every page of the site (so does the home page) and promises no more than the
reliability page; the package metadata carries no made-up documentation URL. The quickstart
counts the example DAGs there are (from ``example_dags/``), lists each, shows how to see the
spend approval, and says when a new DAG file appears under a scheduler.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from airflow.configuration import conf
from docs_support import DOCS, EXAMPLE_DAGS, ROOT, python_blocks

from airflow_quantum.clients.azure.client import AzureQuantumClient
from airflow_quantum.clients.ibm.client import IBMQuantumClient
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum_emulator import demo
from airflow_quantum_emulator.azure.targets import RETIRED, TARGETS
from airflow_quantum_emulator.ibm.backends import BACKENDS, FRACTIONAL_GATES, configuration

PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
REAL = DOCS / "real-services.md"
QUICKSTART = DOCS / "quickstart.md"
EXAMPLE_DAG_IDS = sorted(path.stem for path in EXAMPLE_DAGS.glob("*.py"))
#: An Azure target as the pages write it (provider.sim.name, provider.qpu.name, ...), not a
#: data format (``ionq.circuit.v1``, ``microsoft.quantum-results``).
AZURE_TARGET = re.compile(
    r"`((?:ionq|quantinuum|rigetti|pasqal)\.(?:sim|qpu)\.[\w.-]+|ionq\.simulator|microsoft\.\w+)`"
)
#: An IBM backend as the pages write it (``ibm_quantum`` is the connection type).
IBM_BACKEND = re.compile(r"`(ibm_(?!quantum`)[a-z]+)`")
#: A list of the Heron gates: "Heron: `cz`, `id`, ..., plus the fractional `rx`, `rzz`" (or
#: "basis `cz, id, ...` plus ..."): the native gates, then the fractional ones.
HERON_GATES = re.compile(
    r"(?:Heron: |basis )((?:`[\w, ]+`,? )+)plus the fractional ((?:`\w+`,? ?)+)"
)
#: How the pages write small counts ("the ten DAGs").
NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen", "twenty")
    )
}  # fmt: skip
#: What points outside the repository: the tracker, internal notes, someone's machine.
OUTSIDE = re.compile(
    r"wire notes|\bissue\s*#?\d|\bthe \w+ issue\b|issues/\d|\bitems? \d|/work/|shared/wire|"
    r"shared/seeds",
    re.I,
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_refers_to_anything_outside_the_repository(page):
    found = [m.group(0) for m in OUTSIDE.finditer(page.read_text())]
    assert not found, found


def test_the_real_service_page_is_in_the_navigation():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    nav = [next(iter(entry.values())) for entry in config["nav"] if isinstance(entry, dict)]
    assert "real-services.md" in nav


def _named(pattern: re.Pattern[str], text: str) -> set[str]:
    return set(pattern.findall(text))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_name_only_targets_and_backends_the_emulator_knows(page):
    text = page.read_text()
    unknown = _named(AZURE_TARGET, text) - set(TARGETS) - set(RETIRED)
    unknown |= _named(IBM_BACKEND, text) - set(BACKENDS)
    assert not unknown, unknown


def test_the_real_service_page_names_every_target_and_backend_of_the_emulator():
    text = " ".join(REAL.read_text().split())
    named = _named(AZURE_TARGET, text)
    variants = "and their `sc`/`e` variants" in text

    def shown(target: str) -> bool:
        # "quantinuum.qpu.h2-2 ... and their sc/e variants" names quantinuum.sim.h2-2sc and -2e.
        variant = re.fullmatch(r"quantinuum\.sim\.(.+?)(?:sc|e)", target)
        return target in named or bool(
            variants and variant and f"quantinuum.qpu.{variant[1]}" in named
        )

    assert [target for target in TARGETS if not shown(target)] == []
    assert _named(IBM_BACKEND, text) == set(BACKENDS)
    # Retired targets are only ever named as retired.
    for retired in re.finditer(r"microsoft\.\*\.cpu|h1-1|simulatedannealing|qio\.v2", text):
        sentence = text[max(0, retired.start() - 200) : retired.end() + 200]
        assert "retired" in sentence, sentence


def test_the_heron_gates_are_listed_one_way_the_emulators_configuration():
    (basis,) = {
        tuple(configuration(backend)["basis_gates"])
        for backend in BACKENDS.values()
        if backend.family == "Heron"
    }
    native = [gate for gate in basis if gate not in FRACTIONAL_GATES]
    fractional = [gate for gate in basis if gate in FRACTIONAL_GATES]
    listing = []
    for page in PAGES:
        text = " ".join(page.read_text().split())
        lists = HERON_GATES.findall(text)
        for first, second in lists:
            names = (
                re.split(r"[`, ]+", first.strip("`, ")),
                re.split(r"[`, ]+", second.strip("`, ")),
            )
            assert names == (native, fractional), (page.name, first, second)
        # Any other list of them (three native gates in a row) is a list of another shape.
        runs = re.findall(rf"(?:`(?:{'|'.join(native)})`,? (?:and )?){{3,}}", text)
        assert len(runs) <= len(lists), (page.name, runs)
        listing += [page.name] * bool(lists)
    assert {"quickstart.md", "real-services.md", "operators.md"} <= set(listing)


def test_the_real_service_page_calls_only_hook_methods_that_exist():
    """... on the hooks, or on the clients they hand out (``hook.get_conn()``)."""
    code = "\n".join(python_blocks(REAL))
    called = set(re.findall(r"\.(\w+)\(", code))
    assert {"test_connection", "get_provider_status", "list_backends"} <= called
    hooks = (AzureQuantumHook, IBMQuantumHook, AzureQuantumClient, IBMQuantumClient)
    unknown = {name for name in called if not any(hasattr(h, name) for h in hooks)}
    assert not unknown, unknown


def _nav_pages(entries: list) -> list[str]:
    """The pages of mkdocs.yml's ``nav``, sections flattened."""
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_readme_and_the_home_page_list_every_page_of_the_site():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    pages = [page for page in _nav_pages(config["nav"]) if page.count("/") == 0]
    pages.append("api/index.md")
    readme = (ROOT / "README.md").read_text().split("## Documentation", 1)[1].split("\n## ", 1)[0]
    assert [page for page in pages if page != "index.md" and f"(docs/{page})" not in readme] == []
    home = (DOCS / "index.md").read_text()
    assert [page for page in pages if page != "index.md" and f"]({page})" not in home] == []


def test_the_readme_promises_no_more_than_the_reliability_page():
    text = (ROOT / "README.md").read_text()
    assert "never end failed" not in text  # reliability.md says when to raise the hold
    assert "min_deferral_seconds" in text and "raise it" in text


def test_the_connection_docs_say_how_to_enable_the_connection_test():
    text = (DOCS / "connections.md").read_text()
    assert "[core] test_connection = Disabled" in text or "`test_connection = Disabled`" in text
    assert "AIRFLOW__CORE__TEST_CONNECTION=Enabled" in text


def test_the_readme_installs_from_the_clone():
    text = (ROOT / "README.md").read_text()
    assert "`pip install .`" in text
    assert not re.search(r"pip install ['\"]?airflow-quantum\b", text)


def test_the_metadata_has_no_made_up_documentation_url():
    # No project page is published yet: a URL there would lead nowhere.
    text = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r"^Documentation\s*=", text, re.M)


def _documented_connections() -> list[tuple[str, dict]]:
    """(where, connection) of every JSON ``AIRFLOW_CONN_*`` value in the docs and the demo."""
    found = [
        (f"demo {name}", json.loads(value))
        for name, value in demo.emulator_connections("http://127.0.0.1:8765").items()
    ]
    for page in PAGES:
        for value in re.findall(r"AIRFLOW_CONN_\w+='(\{.*?\})'", page.read_text(), flags=re.S):
            if "<" not in value:  # placeholders of real credentials are the reader's to fill
                found.append((page.name, json.loads(value)))
    return found


def test_documented_emulator_connections_have_no_value_the_masker_finds_too_short():
    # Airflow masks every extra of a connection it loads and warns ("Skipping masking for a
    # secret as it's too short") about any string value under 5 characters.
    connections = _documented_connections()
    assert len(connections) >= 4
    short = [
        (where, key, value)
        for where, conn in connections
        for key, value in conn.get("extra", {}).items()
        if isinstance(value, str) and len(value) < 5
    ]
    assert not short, short


def test_the_quickstart_counts_the_example_dags_there_are():
    text = QUICKSTART.read_text()
    assert sorted(demo.DEMO_DAGS) == EXAMPLE_DAG_IDS  # the demo runs every example DAG
    # The demo's progress lines, "[3/10] example_ibm_quantum_sampler ...".
    progress = re.findall(r"\[(\d+)/(\d+)\] (\w+)", text)
    assert progress
    for number, total, dag_id in progress:
        assert int(total) == len(EXAMPLE_DAG_IDS), (number, total, dag_id)
        assert int(number) == demo.DEMO_DAGS.index(dag_id) + 1, (number, total, dag_id)
    # "the ten DAGs", "10 example DAGs": every count the page says.
    said = re.findall(r"\b(\w+) (?:example )?DAGs\b", text)
    counts = [int(w) if w.isdigit() else NUMBER_WORDS.get(w.lower()) for w in said]
    assert {count for count in counts if count is not None} == {len(EXAMPLE_DAG_IDS)}, said


def test_the_quickstart_table_lists_every_example_dag():
    rows = re.findall(r"^\| `(\w+)` \| \[", QUICKSTART.read_text(), flags=re.M)
    assert sorted(rows) == EXAMPLE_DAG_IDS


def test_the_quickstart_shows_how_to_see_the_spend_approval():
    text = QUICKSTART.read_text()
    dag = (EXAMPLE_DAGS / "example_quantum_spend_approval.py").read_text()
    assert '"approval_threshold": Param(' in dag and "ApprovalOperator(" in dag
    assert """--conf '{"approval_threshold": 0}'""" in text
    assert "approve_spend" in text and "*Required Actions*" in text


def test_the_quickstart_says_when_a_new_dag_file_appears_under_a_scheduler():
    text = QUICKSTART.read_text()
    refresh = int(conf.get_default_value("dag_processor", "refresh_interval"))
    assert refresh == 300 and "up to five minutes" in text
    assert f"`[dag_processor] refresh_interval`, {refresh} s by default" in text
    assert "export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=" in text
    assert "airflow dags reserialize" in text
