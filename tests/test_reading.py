"""The letter reader reads for meaning: negation, number words, paraphrase, wrong values,
false restrictions — the wordings from issue 10 that a keyword check gets wrong."""

from __future__ import annotations

import pytest

from simulator.model import Document, LetterExpectation
from simulator.reading import quantities, read_letter, sentences

EXPECT = LetterExpectation.model_validate({
    "law": "sel",
    "activities": [
        {"id": "struktur", "label": "struktur i hverdagen", "terms": ["struktur", "ugeplan"], "outcome": "bevilget",
         "provisions": ["sel-85"], "scope": {"hours": [2, 3]}},
        {"id": "budget", "label": "budget", "terms": ["budget*"], "outcome": "afslag", "provisions": ["sel-85"]},
        {"id": "indkoeb", "label": "indkøb", "terms": ["indkøb*", "handle*"], "outcome": "afslag",
         "provisions": ["sel-85"]},
    ],
    "facts": [{"id": "dagbog", "label": "energidagbogen", "terms": [["*dagbog*"], ["timer", "aflys*"]],
               "document": "samtale"}],
    "main_argument": {"label": "koster kræfter", "terms": [["kræfter", "koste*"]]},
    "hearing": {"document": "notat", "flag": "hoert", "terms": [["ergoterapeut*"]]},
    "other_help": [{"id": "p83", "label": "praktisk hjælp", "terms": [["rengøring", "praktisk hjælp"]],
                    "provisions": ["sel-83"], "handling": "afgoer"}],
})
DOCS = [Document(id="notat", title="Notat fra ergoterapeutens hjemmebesøg", kind="notat", text="x"),
        Document(id="samtale", title="Notat fra samtalen om energi", kind="notat", text="x"),
        Document(id="attest", title="Attest fra din læge", kind="lægeattest", text="x")]


@pytest.fixture(scope="module")
def provisions(library):
    return library.registry.provisions


def read(text, provisions):
    return read_letter(text, EXPECT, DOCS, provisions)


# ---------------------------------------------------------------- klagevejledning


@pytest.mark.parametrize("text, weeks, start", [
    ("Du kan klage inden 4 uger fra den dag, du har modtaget afgørelsen.", 4, "modtagelse"),
    ("Klagefristen er fire uger fra den dag, du modtog brevet.", 4, "modtagelse"),
    ("Du skal klage inden 4 uger fra datoen på dette brev.", 4, "forkert"),
    ("Du skal klage senest 8 uger fra brevets dato.", 8, "forkert"),
    ("Hvis du vil klage, er fristen 14 dage.", 2, None),
    ("Du har 28 dage til at klage, regnet fra du fik afgørelsen.", 4, "modtagelse"),
])
def test_klagefrist_value_and_start_point(text, weeks, start, provisions):
    k = read(text, provisions).complaint
    assert k.frist_weeks == pytest.approx(weeks, abs=0.01)
    assert k.frist_start == start


@pytest.mark.parametrize("text, field, value", [
    ("Send klagen direkte til Ankestyrelsen.", "direct_to_instance", True),
    ("Send ikke klagen til os i kommunen, men til Ankestyrelsen.", "to_kommune_denied", True),
    ("Du skal sende din klage til os i Socialafdelingen.", "to_kommune", True),
    ("Klagen skal sendes til Ungeenheden.", "to_kommune", True),
    ("Klagen skal være skriftlig.", "form_restricted", True),
    ("Du behøver ikke skrive; du kan også ringe til mig og klage.", "form_restricted", False),
    ("Du behøver ikke skrive; du kan også ringe til mig og klage.", "oral_allowed", True),
    ("Du kan dog ikke klage over antallet af timer.", "restriction", True),
    ("Når vi får din klage, ser vi så på sagen igen.", "reassessment", True),
    ("Vi genvurderer afgørelsen, før klagen går videre.", "reassessment", True),
    ("Får du ikke fuldt ud medhold, sender vi klagen videre til Ankestyrelsen.", "full_medhold_condition", True),
    ("Du kan få hjælp til at klage hos kommunens borgerrådgiver.", "help_named", True),
])
def test_complaint_fields(text, field, value, provisions):
    assert getattr(read(text, provisions).complaint, field) is value


def test_forwarding_by_the_kommune_is_not_a_direct_route(provisions):
    k = read("Klag til os. Vi ser på sagen igen og sender derefter klagen videre til Ankestyrelsen.",
             provisions).complaint
    assert k.to_kommune and k.instance_named and not k.direct_to_instance


# ---------------------------------------------------------------- provisions


@pytest.mark.parametrize("text, ids", [
    ("Afgørelsen er truffet efter serviceloven § 85.", {"sel-85"}),
    ("Vi har vurderet din ansøgning efter paragraf 85 i serviceloven.", {"sel-85"}),
    ("Efter servicelovens §§ 83 og 85 har vi set på din sag.", {"sel-83", "sel-85"}),
    ("Reglerne står i lov om social service § 85, stk. 1.", {"sel-85"}),
    ("Efter § 85 får du støtte.", {"sel-85"}),  # a bare § is read in the case's law
])
def test_citations_are_normalised_to_registry_ids(text, ids, provisions):
    cited = {rid for c in read(text, provisions).citations for rid in c.registry_ids}
    assert ids <= cited


# ---------------------------------------------------------------- activities


def test_outcome_and_scope_per_activity_with_negation_in_a_later_clause(provisions):
    r = read("Du får støtte til struktur i 2-3 timer om ugen, men ikke til budget.", provisions)
    acts = {a.id: a for a in r.activities}
    assert acts["struktur"].outcome == "bevilget" and acts["struktur"].hours == (2, 3)
    assert acts["struktur"].per == "uge"
    assert acts["budget"].outcome == "afslag"
    assert acts["indkoeb"].outcome is None  # never decided


def test_number_words_make_a_range():
    qs = quantities(sentences("Du får tre til seks timer om ugen.")[0].tokens)
    assert [(q.low, q.high, q.unit) for q in qs] == [(3, 6, "timer")]


def test_refusals_in_one_sentence_are_lumped_unless_each_has_its_own_reasons(provisions):
    lumped = read("Du får afslag på budget og indkøb, fordi du klarer dig godt.", provisions)
    assert all(a.lumped for a in lumped.activities if a.id in ("budget", "indkoeb"))
    own = read("Du får afslag på budget og indkøb.\nBudget\nDu har selv lagt budget i mange år, derfor får du "
               "ikke støtte.\nIndkøb\nDu handler selv ind på nettet, derfor får du ikke støtte til indkøb.",
               provisions)
    assert not any(a.lumped for a in own.activities)


def test_a_phrase_about_income_is_not_a_grant(provisions):
    r = read("Budget\nDu ved ikke, hvor meget SU du får, mens du er syg. Du får ikke støtte til budget.",
             provisions)
    assert next(a for a in r.activities if a.id == "budget").outcome == "afslag"


# ---------------------------------------------------------------- partshøring, facts, argument, help


def test_hearing_claimed_and_denied(provisions):
    assert read("Vi sendte ergoterapeutens notat til dig, og du har kommenteret det.", provisions).hearing.claims_heard
    denied = read("Vi har ikke sendt ergoterapeutens notat til dig.", provisions).hearing
    assert denied.claims_not_heard and not denied.claims_heard


def test_fact_with_its_document_and_a_contradicted_fact(provisions):
    r = read("Din energidagbog fra samtalen viser, at du bruger 4-6 timer om ugen på ture.", provisions)
    assert r.facts[0].found and r.facts[0].document_named == "samtale"
    moved = read("Ergoterapeutens notat viser, at din dagbog har mange timer.", provisions)
    assert moved.facts[0].document_named == "notat"


def test_main_argument_restated_and_answered(provisions):
    only = read("Du mener, at det koster dig for mange kræfter at klare dig.", provisions).argument
    assert only.restated and not only.answered
    both = read("Du mener, at det koster dig for mange kræfter. Det er vi enige i, og derfor får du støtte.",
                provisions).argument
    assert both.restated and both.answered


def test_referring_the_citizen_to_apply_herself_is_not_deciding(provisions):
    ref = read("Du kan selv søge om praktisk hjælp til rengøring hos kommunen.", provisions).other_help[0]
    assert ref.referred and not ref.decided
    dec = read("Dit ønske om hjælp til rengøring behandler vi som en ansøgning om praktisk hjælp.",
               provisions).other_help[0]
    assert dec.decided


def test_boilerplate_and_jargon_are_noticed(provisions):
    r = read("Vi har foretaget en konkret og individuel vurdering, jf. SEL § 85.", provisions)
    assert r.boilerplate and "SEL" in r.jargon
