"""The API emulator (tests/emulator/): formats, corpus, faults, log and command line.

Every answer is parsed with the standard library (json, xml.etree) and, where a real sample
exists in ../shared/data/api-samples, compared in shape with it. All data served is SYNTHETIC.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from citegraph.ids import name_key
from tests.conftest import ROOT, require_samples
from tests.emulator import CorpusError, CorpusIndex, generate_corpus, load_corpus, write_corpus
from tests.emulator.fixtures import wait_until_healthy
from tests.emulator.server import EmulatorServer


def _get(url: str, **params: object) -> requests.Response:
    return requests.get(url, params=params, timeout=10)


def _summarise_pubmed(xml_text: str | bytes) -> dict[str, dict]:
    """What a PubMed parser needs, read with the stdlib the way Citegraph's parser must."""
    out = {}
    for article in ET.fromstring(xml_text).iter("PubmedArticle"):
        pmid = article.findtext("MedlineCitation/PMID")
        ids = {
            a.get("IdType"): a.text for a in article.findall("PubmedData/ArticleIdList/ArticleId")
        }
        out[pmid] = {
            "title": article.findtext("MedlineCitation/Article/ArticleTitle"),
            "journal": article.findtext("MedlineCitation/Article/Journal/Title"),
            "abbrev": article.findtext("MedlineCitation/Article/Journal/ISOAbbreviation"),
            "year": article.findtext("MedlineCitation/Article/Journal/JournalIssue/PubDate/Year"),
            "authors": [
                (a.findtext("LastName"), a.findtext("ForeName"), a.findtext("Initials"))
                for a in article.findall("MedlineCitation/Article/AuthorList/Author")
                if a.find("LastName") is not None
            ],
            "orcids": [
                i.text
                for i in article.findall(
                    "MedlineCitation/Article/AuthorList/Author/Identifier[@Source='ORCID']"
                )
            ],
            "doi": ids.get("doi"),
            "pmc": ids.get("pmc"),
            "reference_pmids": [
                r.text
                for r in article.findall(
                    "PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId[@IdType='pubmed']"
                )
            ],
            "n_references": len(article.findall("PubmedData/ReferenceList/Reference")),
        }
    return out


# --------------------------------------------------------------------------- the corpus
def test_generator_is_deterministic_and_seed_dependent() -> None:
    first = json.dumps(generate_corpus(11), sort_keys=True)
    again = json.dumps(generate_corpus(11), sort_keys=True)
    other = json.dumps(generate_corpus(12), sort_keys=True)
    assert first == again
    assert first != other


def test_default_corpus_is_labelled_synthetic_and_uses_fake_id_ranges() -> None:
    corpus = generate_corpus()
    assert corpus["generated"] is True and "SYNTHETIC" in corpus["notice"]
    works = corpus["works"]
    assert 280 <= len(works) <= 320
    assert all(w["title"].startswith(f"Synthetic work {w['index']}:") for w in works)
    assert all(int(w["pmid"]) >= 90000000 for w in works if w["pmid"])
    assert all(w["doi"].lower().startswith("10.99999/") for w in works if w["doi"])
    assert all(w["openalex_id"].startswith("W9") for w in works if w["openalex_id"])
    assert all(
        "Synthetic" in j["display_name"]
        or "Fictional" in j["display_name"]
        or "Generated" in j["display_name"]
        or "Emulated" in j["display_name"]
        or "Placeholder" in j["display_name"]
        for j in corpus["journals"].values()
    )
    assert all(i["ror"].startswith("https://ror.org/0zz") for i in corpus["institutions"].values())


def test_corpus_has_realistic_gaps_between_sources() -> None:
    corpus = generate_corpus()
    works = corpus["works"]
    assert sum(1 for w in works if not w["doi"]) >= 10
    assert sum(1 for w in works if not w["pmid"]) >= 10  # OpenAlex-only
    assert sum(1 for w in works if not w["openalex_id"]) >= 10  # PubMed-only
    index = CorpusIndex(corpus)
    seed = index.seed_pmid
    seed_w = corpus["seed"]["openalex_id"]
    assert 50 <= len(index.references_of(index.seed_key)) <= 70
    by_sources = {}
    for edge in corpus["citations"]:
        if edge["citing"] == index.seed_key:
            by_sources.setdefault(tuple(edge["sources"]), []).append(edge)
    assert {("pubmed",), ("icite",), ("openalex",)} <= set(by_sources)
    # PubMed's cited-in only covers citing works in PMC; iCite and OpenAlex see more.
    assert 0 < len(index.pubmed_citedin(seed)) < len(index.icite_cited_by(seed))
    assert len(index.openalex_cites(seed_w)) > len(index.pubmed_citedin(seed))
    assert all(index.by_pmid(p)["in_pmc"] for p in index.pubmed_citedin(seed))
    assert len(index.similar(seed)) == 100
    scores = [s for _, s in index.similar(seed)]
    assert scores == sorted(scores, reverse=True)
    assert len(index.related(seed_w)) == 20
    # The reference list holds references without a PMID too (citation text, DOI only).
    assert any(not w["pmid"] for w in index.reference_list(seed))


def test_corpus_people_have_orcid_gaps_name_variants_and_a_shared_name_key() -> None:
    corpus = generate_corpus()
    people = list(corpus["people"].values())
    assert 380 <= len(people) <= 420
    assert 0 < sum(1 for p in people if p["orcid"]) < len(people)
    assert any(p["openalex_display_name"].split()[0].endswith(".") for p in people)
    keys: dict[str, list[dict]] = {}
    for person in people:
        keys.setdefault(name_key(person["last_name"], person["fore_name"]), []).append(person)
    shared = [group for group in keys.values() if len(group) > 1]
    assert len(shared) == 1
    assert len({p["orcid"] for p in shared[0]}) == 2 and all(p["orcid"] for p in shared[0])


def test_corpus_file_round_trip_and_bad_file_message(tmp_path: Path) -> None:
    corpus = generate_corpus(3)
    path = write_corpus(corpus, tmp_path / "corpus.json")
    assert load_corpus(path) == json.loads(json.dumps(corpus))
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(CorpusError, match="write-corpus"):
        load_corpus(bad)


# --------------------------------------------------------------------------- PubMed
def test_efetch_answers_pubmed_xml_with_reference_list(emulator) -> None:
    index = emulator.index
    seed = emulator.seed
    response = _get(emulator.pubmed_url + "/efetch.fcgi", db="pubmed", id=seed, retmode="xml")
    assert response.status_code == 200 and "xml" in response.headers["Content-Type"]
    record = _summarise_pubmed(response.content)[seed]
    work = index.by_pmid(seed)
    assert record["title"] == work["title"] + "."
    assert record["doi"] == work["doi"] and record["pmc"] == work["pmcid"]
    assert record["year"] == str(work["year"])
    assert record["abbrev"] == index.journals[work["journal"]]["iso_abbrev"]
    assert len(record["authors"]) == len(work["authorships"])
    assert record["n_references"] == len(index.reference_list(seed))
    assert sorted(record["reference_pmids"]) == sorted(index.pubmed_refs(seed))
    assert all(o.split("/")[-1].count("-") == 3 for o in record["orcids"])


def test_efetch_output_reads_like_the_real_sample() -> None:
    samples = require_samples()
    real = _summarise_pubmed(
        (samples / "eutils/biopython_pubmed7_with_ReferenceList.xml").read_bytes()
    )
    with EmulatorServer() as server:
        fake = _summarise_pubmed(
            _get(server.pubmed_url + "/efetch.fcgi", db="pubmed", id=server.seed).content
        )
    for summary in (real, fake):
        (record,) = summary.values()
        assert record["title"] and record["journal"] and record["abbrev"] and record["year"]
        assert record["doi"] and record["pmc"].startswith("PMC")
        assert record["authors"] and all(all(part for part in a) for a in record["authors"])
        assert record["orcids"] and record["reference_pmids"]


def test_efetch_post_form_body_and_bad_ids(emulator) -> None:
    pmids = [w["pmid"] for w in emulator.corpus["works"] if w["pmid"]][:250]
    response = requests.post(
        emulator.pubmed_url + "/efetch.fcgi",
        data={"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"},
        timeout=10,
    )
    assert response.status_code == 200
    assert set(_summarise_pubmed(response.content)) == set(pmids)
    bad = _get(emulator.pubmed_url + "/efetch.fcgi", db="pubmed", id="abc,xyz")
    assert bad.status_code == 400
    assert ET.fromstring(bad.content).find("ERROR") is not None
    log = emulator.requests()
    assert [e["method"] for e in log] == ["POST", "GET"]
    assert log[0]["ids"] == 250 and log[1]["status"] == 400


def test_esearch_by_doi_title_and_no_hits(emulator) -> None:
    seed_work = emulator.index.by_pmid(emulator.seed)
    url = emulator.pubmed_url + "/esearch.fcgi"
    by_doi = _get(url, db="pubmed", term=f"{seed_work['doi'].upper()}[doi]", retmode="json").json()
    assert by_doi["esearchresult"]["idlist"] == [emulator.seed]
    assert by_doi["esearchresult"]["count"] == "1"
    by_title = _get(url, db="pubmed", term="Synthetic work 0: chimeric antigen", retmode="json")
    assert emulator.seed in by_title.json()["esearchresult"]["idlist"]
    none = _get(url, db="pubmed", term="nonexistentword[title]", retmode="json").json()
    assert none["esearchresult"]["count"] == "0" and none["esearchresult"]["idlist"] == []
    as_xml = ET.fromstring(_get(url, db="pubmed", term=f"{emulator.seed}[pmid]").content)
    assert [i.text for i in as_xml.findall("IdList/Id")] == [emulator.seed]


def test_elink_one_linkset_per_repeated_id_and_merged_for_commas(emulator) -> None:
    index = emulator.index
    seed = emulator.seed
    other = index.pubmed_citedin(seed)[0]
    url = emulator.pubmed_url + "/elink.fcgi"
    common = {"dbfrom": "pubmed", "db": "pubmed", "retmode": "json"}
    per_id = requests.get(
        url, params={**common, "id": [seed, other], "linkname": "pubmed_pubmed_refs"}, timeout=10
    ).json()
    assert [ls["ids"] for ls in per_id["linksets"]] == [[seed], [other]]
    refs = per_id["linksets"][0]["linksetdbs"][0]
    assert refs["linkname"] == "pubmed_pubmed_refs" and refs["dbto"] == "pubmed"
    assert sorted(refs["links"]) == sorted(index.pubmed_refs(seed))
    assert all(isinstance(link, str) for link in refs["links"])
    merged = requests.get(
        url,
        params={**common, "id": f"{seed},{other}", "linkname": "pubmed_pubmed_refs"},
        timeout=10,
    ).json()
    assert len(merged["linksets"]) == 1 and merged["linksets"][0]["ids"] == [seed, other]
    assert set(merged["linksets"][0]["linksetdbs"][0]["links"]) == set(
        index.pubmed_refs(seed) + index.pubmed_refs(other)
    )
    citedin = _get(url, **common, id=seed, linkname="pubmed_pubmed_citedin").json()
    assert sorted(citedin["linksets"][0]["linksetdbs"][0]["links"]) == sorted(
        index.pubmed_citedin(seed)
    )
    assert emulator.requests()[0]["ids"] == 2


def test_elink_neighbor_score_gives_scored_objects_best_first(emulator) -> None:
    seed = emulator.seed
    body = _get(
        emulator.pubmed_url + "/elink.fcgi",
        dbfrom="pubmed",
        db="pubmed",
        id=seed,
        cmd="neighbor_score",
        retmode="json",
    ).json()
    (db,) = body["linksets"][0]["linksetdbs"]
    assert db["linkname"] == "pubmed_pubmed"
    links = db["links"]
    assert all(set(link) == {"id", "score"} for link in links)
    assert links[0]["id"] == seed  # like the real service, the paper itself comes first
    assert [link["id"] for link in links[1:]] == [p for p, _ in emulator.index.similar(seed)]
    scores = [link["score"] for link in links]
    assert scores == sorted(scores, reverse=True)


def test_elink_json_matches_the_real_sample_shape(emulator) -> None:
    samples = require_samples()
    real = json.loads((samples / "eutils/pubtrends_elink_pubmed_gds.json").read_text())
    fake = _get(
        emulator.pubmed_url + "/elink.fcgi", dbfrom="pubmed", id=emulator.seed, retmode="json"
    ).json()
    assert fake["header"] == real["header"]
    assert set(fake["linksets"][0]) == set(real["linksets"][0])
    assert set(fake["linksets"][0]["linksetdbs"][0]) == set(real["linksets"][0]["linksetdbs"][0])


def test_elink_invalid_id_reports_error_key(emulator) -> None:
    body = _get(
        emulator.pubmed_url + "/elink.fcgi", dbfrom="pubmed", id="abc", retmode="json"
    ).json()
    assert "abc" in body["ERROR"] and body["linksets"] == []


def test_esummary_json(emulator) -> None:
    seed = emulator.seed
    body = _get(emulator.pubmed_url + "/esummary.fcgi", db="pubmed", id=f"{seed},1", retmode="json")
    result = body.json()["result"]
    assert result["uids"] == [seed, "1"]
    assert result[seed]["title"].startswith("Synthetic work 0")
    assert {"idtype": "doi", "idtypen": 3, "value": emulator.index.by_pmid(seed)["doi"]} in result[
        seed
    ]["articleids"]
    assert "error" in result["1"]


# --------------------------------------------------------------------------- iCite
def test_icite_pubs_legacy_fields(emulator) -> None:
    index = emulator.index
    seed = emulator.seed
    missing = next(w["pmid"] for w in emulator.corpus["works"] if w["pmid"] and not w["in_icite"])
    body = _get(emulator.icite_url + "/pubs", pmids=f"{seed},{missing},123").json()
    assert set(body) == {"meta", "data"}
    (record,) = body["data"]
    assert record["pmid"] == int(seed)
    assert sorted(record["cited_by"]) == sorted(int(p) for p in index.icite_cited_by(seed))
    assert sorted(record["references"]) == sorted(int(p) for p in index.icite_refs(seed))
    assert record["citation_count"] == len(record["cited_by"])
    assert {"doi", "title", "year", "journal", "authors", "relative_citation_ratio"} <= set(record)
    assert emulator.requests()[0]["ids"] == 3
    too_many = _get(emulator.icite_url + "/pubs", pmids=",".join(str(i) for i in range(1001)))
    assert too_many.status_code == 400 and "1000" in too_many.json()["error"]


# --------------------------------------------------------------------------- OpenAlex
def test_openalex_singletons_in_every_id_form(emulator) -> None:
    seed = emulator.index.by_pmid(emulator.seed)
    wid, doi = seed["openalex_id"], seed["doi"]
    forms = [
        wid,
        f"https://openalex.org/{wid}",
        f"pmid:{emulator.seed}",
        f"pmid:https://pubmed.ncbi.nlm.nih.gov/{emulator.seed}",
        f"doi:{doi}",
        f"doi:https://doi.org/{doi}",
        f"https://doi.org/{doi}",
    ]
    for form in forms:
        response = requests.get(f"{emulator.openalex_url}/works/{form}", timeout=10)
        assert response.status_code == 200, form
        assert response.json()["id"] == f"https://openalex.org/{wid}"
        assert response.headers["X-RateLimit-Cost-USD"] == "0"
    work = response.json()
    assert work["ids"]["pmid"] == f"https://pubmed.ncbi.nlm.nih.gov/{emulator.seed}"
    assert work["doi"] == f"https://doi.org/{doi}"
    assert sorted(work["referenced_works"]) == sorted(
        f"https://openalex.org/{w}" for w in emulator.index.openalex_refs(wid)
    )
    pubmed_only = next(w for w in emulator.corpus["works"] if w["pmid"] and not w["openalex_id"])
    missing = requests.get(f"{emulator.openalex_url}/works/pmid:{pubmed_only['pmid']}", timeout=10)
    assert missing.status_code == 404 and "error" in missing.json()
    selected = _get(f"{emulator.openalex_url}/works/{wid}", select="id,doi").json()
    assert set(selected) == {"id", "doi"}


def test_openalex_work_has_the_real_sample_shape(emulator) -> None:
    samples = require_samples()
    real = json.loads((samples / "openalex/openalex_work_W2741809807.json").read_text())
    listed = json.loads(
        (samples / "openalex/openalex_list_works_sample5_2026-07-23.json").read_text()
    )
    fake = _get(f"{emulator.openalex_url}/works/pmid:{emulator.seed}").json()
    # Every field the emulator sends exists in a real Work (2025 singleton or 2026 list).
    assert set(fake) <= set(real) | set(listed["results"][0])
    assert set(fake["authorships"][0]) == set(real["authorships"][0])
    assert set(fake["authorships"][0]["author"]) == set(real["authorships"][0]["author"])
    fake_inst = next(i for a in fake["authorships"] for i in a["institutions"])
    assert set(fake_inst) == set(real["authorships"][0]["institutions"][0])
    assert set(fake["primary_location"]["source"]) <= set(real["primary_location"]["source"])
    assert set(fake["ids"]) <= set(real["ids"])


def test_openalex_list_filters_paging_and_headers(emulator) -> None:
    index = emulator.index
    seed_w = index.by_pmid(emulator.seed)["openalex_id"]
    url = emulator.openalex_url + "/works"
    expected = set(index.openalex_cites(seed_w))
    seen, page = [], 1
    while True:
        response = _get(url, filter=f"cites:{seed_w}", per_page=25, page=page)
        body = response.json()
        assert body["meta"]["count"] == len(expected)
        seen += [r["id"].rsplit("/", 1)[1] for r in body["results"]]
        if not body["results"]:
            break
        page += 1
    assert sorted(seen) == sorted(expected)
    assert response.headers["X-RateLimit-Cost-USD"] == "0.0001"
    assert {"X-RateLimit-Limit-USD", "X-RateLimit-Remaining-USD", "X-RateLimit-Reset"} <= set(
        response.headers
    )
    wids = [w["openalex_id"] for w in emulator.corpus["works"] if w["openalex_id"]][:3]
    batch = _get(url, filter="openalex:" + "|".join(wids), per_page=100).json()
    assert [r["id"].rsplit("/", 1)[1] for r in batch["results"]] == wids
    dois = [w["doi"] for w in emulator.corpus["works"] if w["doi"] and w["openalex_id"]][:4]
    assert _get(url, filter="doi:" + "|".join(dois)).json()["meta"]["count"] == 4
    assert _get(url, filter="openalex:" + "|".join(f"W9{i}" for i in range(101))).status_code == 400
    assert _get(url, filter=f"cites:{seed_w}", per_page=101).status_code == 400
    invalid = _get(url, filter=f"ids.pmid:{emulator.seed}")
    assert invalid.status_code == 400 and invalid.json()["error"] == "Invalid"
    logged = emulator.requests()
    assert logged[-1]["status"] == 400 and logged[-5]["ids"] == 3


def test_openalex_list_meta_matches_real_sample(emulator) -> None:
    samples = require_samples()
    real = json.loads(
        (samples / "openalex/openalex_list_works_sample5_2026-07-23.json").read_text()
    )
    fake = _get(emulator.openalex_url + "/works", search="lupus nephritis").json()
    assert set(fake) == set(real)
    assert {"count", "db_response_time_ms", "page", "per_page", "groups_count", "cost_usd"} <= set(
        fake["meta"]
    )
    assert fake["results"] and all("lupus" in r["title"] for r in fake["results"])
    assert all("relevance_score" in r for r in fake["results"])


def test_openalex_cursor_paging_needs_a_key_when_configured(emulator) -> None:
    emulator.configure(require_openalex_key=True)
    url = emulator.openalex_url + "/works"
    seed_w = emulator.index.by_pmid(emulator.seed)["openalex_id"]
    assert _get(url, filter=f"cites:{seed_w}", cursor="*").status_code == 401
    cursor, seen = "*", []
    while cursor:
        body = _get(url, filter=f"cites:{seed_w}", cursor=cursor, per_page=20, api_key="k").json()
        seen += [r["id"] for r in body["results"]]
        cursor = body["meta"]["next_cursor"]
    assert len(seen) == len(set(seen)) == len(emulator.index.openalex_cites(seed_w))
    assert all(e["query"].get("api_key") in (None, ["REDACTED"]) for e in emulator.requests())


# --------------------------------------------------------------------------- faults
def test_fail_next_queue_applies_in_order_per_service(emulator) -> None:
    emulator.configure(fail_next=[("pubmed", 503), ("openalex", 500), ("pubmed", 429)])
    efetch = emulator.pubmed_url + "/efetch.fcgi"
    assert _get(emulator.icite_url + "/pubs", pmids=emulator.seed).status_code == 200
    assert _get(efetch, db="pubmed", id=emulator.seed).status_code == 503
    limited = _get(efetch, db="pubmed", id=emulator.seed)
    assert limited.status_code == 429 and limited.json()["error"] == "API rate limit exceeded"
    assert limited.headers["Retry-After"] == "1"
    assert _get(efetch, db="pubmed", id=emulator.seed).status_code == 200
    assert _get(emulator.openalex_url + "/works/W1").status_code == 500
    assert [e["fault"] for e in emulator.requests()] == [None, 503, 429, None, 500]


def test_truncated_body_timeout_and_closed_connection(emulator) -> None:
    emulator.configure(
        fail_next=[("openalex", "truncate"), ("openalex", "timeout"), ("icite", "close")],
        timeout_s=1.0,
    )
    url = f"{emulator.openalex_url}/works/pmid:{emulator.seed}"
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, timeout=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=0.2)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(emulator.icite_url + "/pubs", params={"pmids": emulator.seed}, timeout=5)
    assert requests.get(url, timeout=5).status_code == 200


def test_rate_limits_per_service(emulator) -> None:
    emulator.configure(ncbi_rps=2, openalex_rps=1)
    efetch = emulator.pubmed_url + "/efetch.fcgi"
    statuses = [_get(efetch, db="pubmed", id=emulator.seed).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    openalex = [_get(emulator.openalex_url + "/works/W1").status_code for _ in range(2)]
    assert openalex[1] == 403
    body = _get(emulator.openalex_url + "/works/W1")
    assert body.json()["error"] == "Rate limit exceeded; slow down"
    # iCite has no limit here.
    assert _get(emulator.icite_url + "/pubs", pmids=emulator.seed).status_code == 200


def test_daily_budget_blocks_lists_not_singletons(emulator) -> None:
    emulator.configure(openalex_daily_budget=0.0002)
    url = emulator.openalex_url + "/works"
    seed_w = emulator.index.by_pmid(emulator.seed)["openalex_id"]
    statuses = [_get(url, filter=f"cites:{seed_w}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert _get(url, filter=f"cites:{seed_w}").json()["error"] == "Daily limit exceeded"
    assert _get(f"{url}/{seed_w}").status_code == 200


def test_random_faults_follow_the_rate_and_latency_is_added(emulator) -> None:
    emulator.configure(fault_rate=1.0, timeout_s=0.3)
    for _ in range(6):
        try:
            _get(emulator.icite_url + "/pubs", pmids=emulator.seed).raise_for_status()
        except requests.RequestException:
            pass
    assert all(e["fault"] is not None for e in emulator.requests())
    emulator.reset()
    emulator.configure(latency_ms=150)
    assert _get(emulator.icite_url + "/pubs", pmids=emulator.seed).status_code == 200
    (entry,) = emulator.requests()
    assert entry["duration_ms"] >= 150 and entry["fault"] is None


# --------------------------------------------------------------------------- control and log
def test_control_endpoints_and_log_file(tmp_path: Path) -> None:
    log_path = tmp_path / "requests.jsonl"
    with EmulatorServer(log_path=log_path) as server:
        base = server.base_url
        assert requests.get(base + "/_emulator/health", timeout=5).text == "ok"
        config = requests.post(base + "/_emulator/config", json={"latency_ms": 5}, timeout=5)
        assert config.json()["latency_ms"] == 5
        unknown = requests.post(base + "/_emulator/config", json={"speed": 1}, timeout=5)
        assert unknown.status_code == 400 and "speed" in unknown.json()["error"]
        _get(server.openalex_url + "/works/W1", api_key="secret-key")
        (entry,) = requests.get(base + "/_emulator/log", timeout=5).json()
        assert entry["service"] == "openalex" and entry["status"] == 404
        assert entry["query"] == {"api_key": ["REDACTED"]}
        assert requests.post(base + "/_emulator/reset", timeout=5).text == "ok"
        assert requests.get(base + "/_emulator/log", timeout=5).json() == []
        assert server.config.latency_ms == 0
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert any(line["service"] == "openalex" for line in lines)
    assert "secret-key" not in log_path.read_text()


def test_fixture_handle_exposes_urls_and_corpus(emulator) -> None:
    assert emulator.pubmed_url == emulator.base_url + "/entrez/eutils"
    assert emulator.icite_url == emulator.base_url + "/api"
    assert emulator.openalex_url == emulator.base_url
    assert emulator.seed == emulator.corpus["seed"]["pmid"]
    assert emulator.environ()["CITEGRAPH_PUBMED_URL"] == emulator.pubmed_url
    with pytest.raises(TypeError, match="unknown emulator setting"):
        emulator.configure(nonsense=1)


# --------------------------------------------------------------------------- command line
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.emulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_print_seed_and_write_corpus(tmp_path: Path) -> None:
    printed = _cli("--print-seed")
    assert printed.returncode == 0
    assert printed.stdout.strip() == generate_corpus()["seed"]["pmid"]
    path = tmp_path / "c.json"
    assert _cli("--generator-seed", "5", "--write-corpus", str(path)).returncode == 0
    assert (
        _cli("--corpus", str(path), "--print-seed").stdout.strip()
        == generate_corpus(5)["seed"]["pmid"]
    )
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    failed = _cli("--corpus", str(bad), "--print-seed")
    assert failed.returncode == 2 and "not an emulator corpus" in failed.stderr


def test_cli_serves_on_a_port_and_logs(tmp_path: Path) -> None:
    log_path = tmp_path / "log.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--log", str(log_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert "SYNTHETIC" in first_line
        base_url = first_line.rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        wait_until_healthy(base_url)
        seed = _cli("--print-seed").stdout.strip()
        response = _get(base_url + "/entrez/eutils/efetch.fcgi", db="pubmed", id=seed)
        assert seed in _summarise_pubmed(response.content)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
    entries = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [e["service"] for e in entries if e["service"] != "emulator"] == ["pubmed"]


# --------------------------------------------------------------------------- real-world variety
def _articles(emulator, works: list[dict]) -> dict[str, ET.Element]:  # type: ignore[no-untyped-def]
    pmids = [w["pmid"] for w in works]
    response = requests.post(
        emulator.pubmed_url + "/efetch.fcgi",
        data={"db": "pubmed", "retmode": "xml", "id": ",".join(pmids)},
        timeout=30,
    )
    root = ET.fromstring(response.content)
    return {a.findtext("MedlineCitation/PMID"): a for a in root.iter("PubmedArticle")}


def test_efetch_speaks_the_variety_of_real_records(emulator) -> None:
    works = [w for w in emulator.corpus["works"] if w["pmid"]]
    articles = _articles(emulator, works)
    people = emulator.corpus["people"]
    cites = 0
    for work in works:
        article = articles[work["pmid"]]
        corrections = {
            (c.get("RefType"), c.findtext("PMID"))
            for c in article.iterfind("MedlineCitation/CommentsCorrectionsList/CommentsCorrections")
        }
        for relation in work["relations"]:
            other = emulator.index.works[relation["key"]]
            assert (relation["type"], other["pmid"]) in corrections
        if work["pubmed_reference_style"] == "CommentsCorrections":
            assert article.find("PubmedData/ReferenceList") is None
            listed = {p for t, p in corrections if t == "Cites"} - {None}
            assert listed == {r["pmid"] for r in emulator.index.reference_list(work["pmid"])} - {
                None
            }
            cites += len(listed)
        types = [t.text for t in article.iterfind(".//PublicationTypeList/PublicationType")]
        assert ("Retracted Publication" in types) == work["retracted"]
        pagination = article.find("MedlineCitation/Article/Pagination")
        assert pagination.findtext("MedlinePgn") == work["medline_pgn"]
        pub_date = article.find(".//JournalIssue/PubDate")
        style = work["pubmed_date_style"]
        assert (pub_date.find("MedlineDate") is not None) == (style == "medline_date")
        assert (pub_date.find("Season") is not None) == (style == "season")
        title = article.find("MedlineCitation/Article/ArticleTitle")
        assert (len(title) > 0) == bool(work["title_xml"])  # markup arrives as elements
        assert ("".join(title.itertext())).startswith(f"Synthetic work {work['index']}:")
        authors = article.findall("MedlineCitation/Article/AuthorList/Author")
        assert len(authors) == len(work["authorships"]) + bool(work["collective_name"])
        for author, authorship in zip(authors, work["authorships"], strict=False):
            person = people[authorship["person"]]
            assert author.findtext("LastName") == person["last_name"]
            assert author.findtext("Suffix") == person["suffix"]
        issn_l = emulator.index.journals[work["journal"]]["issn_l"]
        assert article.findtext(".//MedlineJournalInfo/ISSNLinking") == issn_l
        assert article.findtext(".//Journal/ISSN") != issn_l
    assert cites > 20
    assert any(w["medline_pgn"] != w["pages"] for w in works)
    assert {w["pubmed_date_style"] for w in works} == {"date", "medline_date", "season"}
    names = {(p["last_name"], p["suffix"]) for p in people.values()}
    assert {("De Benedetti", None), ("Colbert", "Jr"), ("O'Neill", None)} <= names


def test_openalex_lists_cut_authors_at_100_singletons_do_not(emulator) -> None:
    big = [w for w in emulator.corpus["works"] if len(w["authorships"]) > 100]
    assert len(big) == 2 and any(not w["pmid"] for w in big)
    url = emulator.openalex_url + "/works"
    for work in big:
        listed = _get(url, filter=f"openalex:{work['openalex_id']}").json()["results"][0]
        assert listed["is_authors_truncated"] is True and len(listed["authorships"]) == 100
        single = _get(f"{url}/{work['openalex_id']}").json()
        assert "is_authors_truncated" not in single
        assert len(single["authorships"]) == len(work["authorships"])
    small = next(w for w in emulator.corpus["works"] if w["openalex_id"] and w not in big)
    assert (
        _get(url, filter=f"openalex:{small['openalex_id']}").json()["results"][0][
            "is_authors_truncated"
        ]
        is False
    )


def test_openalex_records_carry_retraction_groups_markup_and_noisy_affiliations(emulator) -> None:
    works = [w for w in emulator.corpus["works"] if w["openalex_id"]]
    url = emulator.openalex_url + "/works"
    records = {}
    for start in range(0, len(works), 100):
        batch = works[start : start + 100]
        ids = "|".join(w["openalex_id"] for w in batch)
        for record in _get(url, filter=f"openalex:{ids}", per_page=100).json()["results"]:
            records[record["id"].rsplit("/", 1)[1]] = record
    raw = [
        s for r in records.values() for a in r["authorships"] for s in a["raw_affiliation_strings"]
    ]
    assert "" in raw or "*" in raw or any(s.startswith("Electronic address") for s in raw)
    assert any("  " in s for s in raw) and any(s.isupper() for s in raw)
    for work in works:
        record = records[work["openalex_id"]]
        assert record["is_retracted"] is work["retracted"]
        assert ("<" in record["title"]) == bool(work["title_xml"])
        names = [a["author"]["display_name"] for a in record["authorships"]]
        assert (names[-1].endswith("Working Group")) == work["openalex_group_author"]
        journal = emulator.index.journals[work["journal"]]
        source = record["primary_location"]["source"]
        assert source["issn_l"] == journal["issn_l"] and journal["issn_l"] in source["issn"]
    assert any(r["is_retracted"] for r in records.values())
    assert any(n.endswith(" Jr.") for r in records.values() for n in _names(r))


def _names(record: dict) -> list[str]:
    return [a["author"]["display_name"] for a in record["authorships"]]


def test_truth_is_plain_json_and_matches_the_corpus() -> None:
    corpus = generate_corpus()
    facts = CorpusIndex(corpus).truth()
    assert json.loads(json.dumps(facts)) == facts and facts["generated"] is True
    works = facts["works"]
    assert len(works) == len(corpus["works"])
    assert sum(w["retracted"] for w in works.values()) == 2
    kinds = {r["type"] for w in works.values() for r in w["relations"]}
    assert kinds == {
        "RetractionIn", "RetractionOf", "ErratumIn", "ErratumFor", "CommentIn", "CommentOn"
    }  # fmt: skip
    assert all("<" not in w["title"] for w in works.values())
    assert any("⁺" in w["title"] for w in works.values())
    assert all(
        int(w["pages"].split("-")[1]) >= int(w["pages"].split("-")[0]) for w in works.values()
    )
    groups = [a for w in works.values() for a in w["authors"] if a["group"]]
    assert groups and all(a["name"].endswith("Working Group") for a in groups)
    junk = {"", "*"}
    assert all(not (set(w["affiliations"]) & junk) for w in works.values())
    # References only PubMed's CommentsCorrections list are in the truth.
    index = CorpusIndex(corpus)
    only_cc = [
        e
        for e in corpus["citations"]
        if not e["sources"]
        and e["reference_list"]
        and index.works[e["citing"]]["pubmed_reference_style"] == "CommentsCorrections"
        and index.works[e["cited"]]["pmid"]
    ]
    assert only_cc
    edge = only_cc[0]
    cited = index.works[edge["cited"]]
    listed = {r["pmid"]: r["via"] for r in works[edge["citing"]]["references"]}
    assert listed[cited["pmid"]] == ["pubmed_comments_corrections"]
    assert generate_corpus(7)["works"] == generate_corpus(7)["works"]


def test_cli_writes_the_truth(tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    assert _cli("--truth", str(path)).returncode == 0
    assert json.loads(path.read_text(encoding="utf-8")) == CorpusIndex(generate_corpus()).truth()


# --------------------------------------------------------------------------- protocol fidelity
def _wid(record: dict) -> str:
    return record["id"].rsplit("/", 1)[1]


def test_openalex_sort_is_honoured_with_cursor_paging(emulator) -> None:
    index = emulator.index
    seed_w = index.works[index.seed_key]["openalex_id"]
    url = emulator.openalex_url + "/works"
    for sort, field, reverse in [
        ("publication_date:desc", "publication_date", True),
        ("publication_date:asc", "publication_date", False),
        ("publication_date", "publication_date", False),
        ("cited_by_count:desc", "cited_by_count", True),
        ("cited_by_count:asc", "cited_by_count", False),
    ]:
        cursor, got = "*", []
        while cursor:
            body = _get(url, filter=f"cites:{seed_w}", sort=sort, per_page=30, cursor=cursor)
            body = body.json()
            got += body["results"]
            cursor = body["meta"]["next_cursor"]
        assert body["meta"]["next_cursor"] is None
        values = [r[field] for r in got]
        assert values == sorted(values, reverse=reverse), sort
        assert sorted(_wid(r) for r in got) == sorted(index.openalex_cites(seed_w))
    by_year = _get(url, filter="publication_year:2020", sort="publication_year:desc").json()
    assert by_year["results"]


def test_openalex_refuses_what_the_real_api_refuses(emulator) -> None:
    url = emulator.openalex_url + "/works"
    seed_w = emulator.index.works[emulator.index.seed_key]["openalex_id"]
    cases = {
        "unknown parameter": ({"filter": f"cites:{seed_w}", "per-pagee": "5"},
                              "per-pagee is not a valid parameter. Valid parameters are: "),
        "nested select": ({"select": "id,open_access.is_oa"},
                          "open_access.is_oa is not a valid select field. Valid fields for "),
        "unknown select": ({"select": "id,authors"}, "authors is not a valid select field."),
        "unknown filter": ({"filter": "cites_work:W1"}, "cites_work is not a valid field. Valid "),
        "unknown sort": ({"filter": f"cites:{seed_w}", "sort": "year:desc"},
                         "year is not a valid field."),
        "relevance asc": ({"search": "lupus", "sort": "relevance_score:asc"},
                          "Sorting relevance score ascending is not allowed."),
        "relevance without search": ({"filter": f"cites:{seed_w}", "sort": "relevance_score:desc"},
                                     "Must include a search query"),
        "two filters": ({"filter": [f"cites:{seed_w}", "publication_year:2020"]},
                        "Only one filter parameter is allowed."),
    }  # fmt: skip
    for name, (params, message) in cases.items():
        response = requests.get(url, params=params, timeout=10)
        assert response.status_code == 400, name
        body = response.json()
        assert set(body) == {"error", "message"}, name
        assert body["error"] == "Invalid query parameters error.", name
        assert body["message"].startswith(message) or message in body["message"], (name, body)
    single = _get(f"{url}/{seed_w}", select="id,doi,nonsense")
    assert single.status_code == 400 and "nonsense is not a valid select field" in single.text
    assert _get(f"{url}/{seed_w}", select="id,doi").json().keys() == {"id", "doi"}
    paging = {
        "cursor and page": ({"cursor": "*", "page": "2"}, "Cannot use page parameter with cursor."),
        "null cursor": ({"cursor": "null"}, "Cursor is null. Likely reached end of results."),
        "bad cursor": ({"cursor": "%%%"}, "Invalid cursor value"),
        "deep page": ({"page": "101", "per_page": "100"}, "Maximum results size of 10,000"),
    }  # fmt: skip
    for name, (params, message) in paging.items():
        body = requests.get(url, params={"filter": f"cites:{seed_w}", **params}, timeout=10)
        assert body.status_code == 400 and body.json()["error"] == "Pagination error.", name
        assert body.json()["message"].startswith(message), name


def test_eutils_ignore_unknown_parameters_and_log_them(emulator) -> None:
    efetch = emulator.pubmed_url + "/efetch.fcgi"
    plain = _get(efetch, db="pubmed", id=emulator.seed, retmode="xml")
    odd = _get(efetch, db="pubmed", id=emulator.seed, retmode="xml", colour="blue")
    assert odd.status_code == 200 and odd.content == plain.content
    first, second = emulator.requests()
    assert "ignored" not in first and second["ignored"] == ["colour"]


# --------------------------------------------------------------------------- Biopython
def test_biopython_reads_every_xml_answer_against_ncbi_dtds(emulator) -> None:
    """``Bio.Entrez.read`` validates each element against the NCBI DTDs Biopython ships."""
    import io

    from Bio import Entrez

    def read(response: requests.Response, **kwargs: object) -> object:
        assert response.status_code == 200
        return Entrez.read(io.BytesIO(response.content), **kwargs)

    pmids = [w["pmid"] for w in emulator.corpus["works"] if w["pmid"]]
    fetched = requests.post(
        emulator.pubmed_url + "/efetch.fcgi",
        data={"db": "pubmed", "retmode": "xml", "id": ",".join(pmids)},
        timeout=60,
    )
    records = read(fetched)
    assert len(records["PubmedArticle"]) == len(pmids)
    elink = emulator.pubmed_url + "/elink.fcgi"
    base = {"dbfrom": "pubmed", "db": "pubmed", "id": [emulator.seed, pmids[3]]}
    for extra in ({"cmd": "neighbor_score"}, {"cmd": "neighbor"},
                  {"linkname": "pubmed_pubmed_refs"}, {"linkname": "pubmed_pubmed_citedin"}):  # fmt: skip
        linked = read(requests.get(elink, params={**base, **extra}, timeout=10))
        assert len(linked) == 2
    scored = read(
        requests.get(
            elink, params={**base, "id": emulator.seed, "cmd": "neighbor_score"}, timeout=10
        )
    )
    assert scored[0]["LinkSetDb"][0]["Link"][0]["Score"]
    bad = requests.get(elink, params={**base, "id": "notanumber"}, timeout=10)
    assert read(bad, ignore_errors=True) is not None
    esearch = emulator.pubmed_url + "/esearch.fcgi"
    found = read(requests.get(esearch, params={"db": "pubmed", "term": "lupus"}, timeout=10))
    assert int(found["Count"]) > 0
    none = read(requests.get(esearch, params={"db": "pubmed", "term": "zzzz"}, timeout=10))
    assert none["Count"] == "0" and none["ErrorList"]["PhraseNotFound"] == ["zzzz"]


def test_openalex_cursor_ends_like_upstream(emulator) -> None:
    index = emulator.index
    seed_w = index.works[index.seed_key]["openalex_id"]
    total = len(index.openalex_cites(seed_w))
    url = emulator.openalex_url + "/works"
    for per_page in (total, total - 1):
        pages, cursor = [], "*"
        while cursor:
            body = _get(url, filter=f"cites:{seed_w}", per_page=per_page, cursor=cursor).json()
            pages.append(len(body["results"]))
            cursor = body["meta"]["next_cursor"]
        # A full page always carries a cursor; the page after the last full one is empty.
        expected = [total, 0] if per_page == total else [total - 1, 1]
        assert pages == expected
