"""The assurance record: validation (file, field, value), look-alike letters, finance pre-filling."""

from __future__ import annotations

import pytest

from finmodel.checks import Check
from finmodel.region.record import (RecordError, assess, computed_rag, load_record, record_from_dict, to_latin,
                                    worst_rag)
from finmodel.shipped import shipped_inputs_dir

LUTON_RECORD = shipped_inputs_dir() / "regions" / "bedfordshire-luton" / "luton.toml"


def minimal(**overall) -> dict:
    return {"la_code": "E08000026", "hwb": "Coventry", "source": "test",
            "overall": {"high_risk": "N", "recommend_sign_off": "Y", **overall},
            "national_conditions": {"jointly_agreed": {"rag": "G"}}}


def test_lookalike_letters_of_seed_004_read_as_latin():
    # the code points seed 004 has in its RAG and Y/N cells (typed here as escapes)
    assert to_latin("\u0391")[0] == "A"   # Greek capital alpha
    assert to_latin("\u0410")[0] == "A"   # Cyrillic capital a
    assert to_latin("\u03a5")[0] == "Y"   # Greek capital upsilon
    assert to_latin("\u03b3*")[0] == "Y*"  # Greek small gamma with the qualifying star (Staffordshire's sign-off)
    text, notes = to_latin("\u0410")
    assert notes == ["U+0410 CYRILLIC CAPITAL LETTER A read as 'A'"]


def test_record_reads_lookalikes_and_keeps_the_star():
    data = minimal(high_risk="N*", recommend_sign_off="\u03b3*", qualification="further assurance expected")
    data["national_conditions"]["seven_day_working"] = {"rag": "\u0391"}
    loaded = record_from_dict(data, "cov.toml")
    assert loaded.record.overall.recommend_sign_off == "Y*"
    assert loaded.record.overall.high_risk == "N*"
    assert loaded.record.national_conditions["seven_day_working"].rag == "A"
    assert any("overall.recommend_sign_off" in n and "GAMMA" in n for n in loaded.notes)


@pytest.mark.parametrize("mutate, field, value", [
    (lambda d: d["national_conditions"].update(jointly_agreed={"rag": "Amber"}), "national_conditions.jointly_agreed.rag", "'Amber'"),
    (lambda d: d["national_conditions"].update(jointly_agreed={"rag": "B"}), "national_conditions.jointly_agreed.rag", "'B'"),
    (lambda d: d["national_conditions"].update(jointly_agreed={"rag": "G", "score": 11}), "national_conditions.jointly_agreed.score", "11"),
    (lambda d: d["national_conditions"].update(jointly_agreed={"rag": "G", "score": 0}), "national_conditions.jointly_agreed.score", "0"),
    (lambda d: d["national_conditions"].update(jointly_agreed={"rag": "G", "score": True}), "national_conditions.jointly_agreed.score", "True"),
    (lambda d: d["national_conditions"].update(weekend_working={"rag": "G"}), "national_conditions.weekend_working", "unknown question"),
    (lambda d: d["overall"].update(high_risk="maybe"), "overall.high_risk", "'maybe'"),
    (lambda d: d.update(la_code="X123"), "la_code", "'X123'"),
    (lambda d: d.update(colour="red"), "colour", "unknown key"),
])
def test_bad_record_names_file_field_and_value(mutate, field, value):
    data = minimal()
    mutate(data)
    with pytest.raises(RecordError) as exc:
        record_from_dict(data, "inputs/regions/x/coventry.toml")
    msg = str(exc.value)
    assert msg.startswith("Invalid assurance record inputs/regions/x/coventry.toml: ")
    assert field in msg and value in msg
    assert exc.value.exit_code == 2


def test_high_risk_needs_a_reason_and_a_star_needs_its_qualification():
    with pytest.raises(RecordError, match="overall.high_risk_reason: a high-risk plan needs the reason"):
        record_from_dict(minimal(high_risk="Y"))
    with pytest.raises(RecordError, match="overall.qualification"):
        record_from_dict(minimal(high_risk="N*"))


def test_worst_rag():
    assert worst_rag(["G", "A", "G"]) == "A"
    assert worst_rag(["G", "R", "A"]) == "R"
    assert worst_rag(["G"]) == "G"


def _checks(**rags):
    return [Check(k, "q", rag, f"reason {k}") for k, rag in rags.items()]


def test_computed_rag_is_the_worst_of_the_questions_checks():
    # affordable <- minimum_pooled (Green) and contingency (Amber): Amber
    checks = _checks(minimum_pooled="Green", contingency="Amber", care_act="Red")
    assert computed_rag("overall_assessment", "affordable", checks)[0] == "A"
    # not a finance question: nothing computed
    assert computed_rag("national_conditions", "seven_day_working", checks) == (None, "")
    # no plan: nothing computed
    assert computed_rag("overall_assessment", "affordable", None) == (None, "")


def test_override_needs_a_reason_and_keeps_both_rags():
    checks = _checks(minimum_pooled="Green", contingency="Green")
    data = minimal()
    data["overall_assessment"] = {"affordable": {"rag": "A"}}
    with pytest.raises(RecordError) as exc:
        assess(record_from_dict(data, "r.toml"), checks)
    assert "overall_assessment.affordable.rag = 'A': differs from finmodel's computed G" in str(exc.value)
    data["overall_assessment"] = {"affordable": {"rag": "A", "override_reason": "no costed implementation plan"}}
    answers = {a.key: a for a in assess(record_from_dict(data, "r.toml"), checks)}
    a = answers["affordable"]
    assert (a.rag, a.assurer_rag, a.computed_rag) == ("A", "A", "G")
    # a finance question the assurer left out stands at the computed RAG (here from contingency alone)
    assert (answers["risk_mitigation"].rag, answers["risk_mitigation"].assurer_rag) == ("G", None)


def test_finance_question_left_out_takes_the_computed_rag():
    checks = _checks(contingency="Green", costs_and_benefits="Red")
    answers = {a.key: a for a in assess(record_from_dict(minimal()), checks)}
    assert answers["risk_mitigation"].rag == "R" and answers["risk_mitigation"].assurer_rag is None
    assert answers["seven_day_working"].rag is None  # not answered, not computable: not assessed


def test_luton_record_is_seed_000():
    # seed 000: every question's score and RAG
    rec = load_record(LUTON_RECORD).record
    nc = {k: (a.score, a.rag) for k, a in rec.national_conditions.items()}
    assert nc == {"jointly_agreed": (10, "G"), "social_care_protection": (8, "G"), "seven_day_working": (6, "A"),
                  "data_sharing_nhs_number": (7, "A"), "joint_assessment": (8, "G"), "acute_sector_impact": (8, "G")}
    oa = {k: (a.score, a.rag) for k, a in rec.overall_assessment.items()}
    assert oa == {"deliverable": (7, "A"), "affordable": (7, "A"), "mental_health": (8, "G"),
                  "risk_mitigation": (8, "G"), "public_engagement": (8, "G")}
    assert (rec.overall.high_risk, rec.overall.recommend_sign_off) == ("N", "Y")


def test_record_file_errors(tmp_path):
    with pytest.raises(RecordError, match="file not found"):
        load_record(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("la_code = [", "utf-8")
    with pytest.raises(RecordError, match="not valid TOML"):
        load_record(bad)
