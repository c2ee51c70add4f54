"""A region's tables: the regional assurance summary's three tables, their counts, and what they say.

Seed 004 summarises a region's assurance in three tables, one row per board:

1. **Overall risk**: LA code, HWB name, high risk Y/N, why (and what to do), recommend
   for final sign-off Y/N;
2. **National conditions**: LA code, HWB name, a RAG for each of the six conditions;
3. **Overall assessment**: HWB name, a RAG for each of the five questions.

:func:`seed_tables` builds them in that layout (a board whose record could not be read
shows ``error``; a question nobody answered ``-``), :func:`column_counts` counts each
column, and :func:`findings` says what the counts mean in sentences built from the data.
The long-format tables (:func:`assurance_long`, :func:`finance_long`) carry the LA code
on every row.
"""

from __future__ import annotations

import pandas as pd

from finmodel.region.record import ASSESSMENT_QUESTIONS, CONDITION_QUESTIONS, RAGS
from finmodel.region.rollup import FIGURE_LABELS, PLAN_FIGURES, RegionResult, totals

NOT_ASSESSED = "-"
ERROR = "error"

OVERALL_COLUMNS = ("High risk plan? (Y/N)", "Why high risk, and remedial actions", "Recommend for final sign-off? (Y/N)")
TABLE_TITLES = {
    "overall_risk": "Overall risk assessment",
    "national_conditions": "Confidence that plans will deliver the national conditions",
    "overall_assessment": "Overall assessment of the plan",
}
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def _n(k: int) -> str:
    return _NUMBERS.get(k, str(k))


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def seed_tables(result: RegionResult) -> dict[str, pd.DataFrame]:
    """The three tables in the regional summary's layout (column headers: the questions)."""
    risk, cond, assess = [], [], []
    for b in result.boards:
        rec = b.record.record if b.record is not None else None
        by_key = {(a.section, a.key): a for a in b.answers}
        unreadable = rec is None and not b.answers

        def rag(section, key):
            if unreadable:
                return ERROR if b.errors else NOT_ASSESSED
            a = by_key.get((section, key))
            return a.rag if a is not None and a.rag is not None else NOT_ASSESSED

        if rec is not None:
            o = rec.overall
            risk.append({"LA Code": b.la_code, "HWB name": b.name, OVERALL_COLUMNS[0]: o.high_risk,
                         OVERALL_COLUMNS[1]: o.high_risk_reason or "[complete]", OVERALL_COLUMNS[2]: o.recommend_sign_off})
        else:
            filler = ERROR if b.errors else NOT_ASSESSED
            risk.append({"LA Code": b.la_code, "HWB name": b.name, OVERALL_COLUMNS[0]: filler,
                         OVERALL_COLUMNS[1]: "", OVERALL_COLUMNS[2]: filler})
        cond.append({"LA Code": b.la_code, "HWB name": b.name,
                     **{q: rag("national_conditions", k) for k, q in CONDITION_QUESTIONS.items()}})
        assess.append({"HWB name": b.name, **{q: rag("overall_assessment", k) for k, q in ASSESSMENT_QUESTIONS.items()}})
    return {"overall_risk": pd.DataFrame(risk), "national_conditions": pd.DataFrame(cond),
            "overall_assessment": pd.DataFrame(assess)}


def column_counts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """For each Y/N and RAG column: how many boards gave each answer (qualified ones counted apart)."""
    rows = []
    for name, df in tables.items():
        for col in df.columns:
            if col in ("LA Code", "HWB name", OVERALL_COLUMNS[1]):
                continue
            values = list(df[col])
            counts = {"table": name, "column": col}
            if name == "overall_risk":
                for v in ("Y", "N"):
                    counts[v] = sum(1 for x in values if x in (v, v + "*"))
                    counts[v + "*"] = sum(1 for x in values if x == v + "*")
            else:
                for v in RAGS:
                    counts[v] = sum(1 for x in values if x == v)
            counts["not assessed"] = sum(1 for x in values if x == NOT_ASSESSED)
            counts["error"] = sum(1 for x in values if x == ERROR)
            rows.append(counts)
    cols = ["table", "column", "Y", "Y*", "N", "N*", "R", "A", "G", "not assessed", "error"]
    return pd.DataFrame(rows).reindex(columns=cols).fillna(0).astype({c: int for c in cols[2:]})


def _all_green(df: pd.DataFrame, questions: dict[str, str]) -> list[str]:
    cols = list(questions.values())
    return [row["HWB name"] for _, row in df.iterrows() if all(row[c] == "G" for c in cols)]


def findings(result: RegionResult, tables: dict[str, pd.DataFrame]) -> list[str]:
    """What the tables say, in sentences built from the data (never from a source's prose)."""
    n = len(result.boards)
    out = []
    risk = tables["overall_risk"]
    high = [r["HWB name"] for _, r in risk.iterrows() if str(r[OVERALL_COLUMNS[0]]).startswith("Y")]
    qual_hr = [r["HWB name"] for _, r in risk.iterrows() if str(r[OVERALL_COLUMNS[0]]).endswith("*")]
    out.append(f"{len(high)} of {n} plans are assessed as high risk" + (f" ({_names(high)})" if high else "") + "."
               + (f" The answer is qualified (marked *) for {_names(qual_hr)}." if qual_hr else ""))
    yes = [r["HWB name"] for _, r in risk.iterrows() if str(r[OVERALL_COLUMNS[2]]).startswith("Y")]
    no = [r["HWB name"] for _, r in risk.iterrows() if str(r[OVERALL_COLUMNS[2]]).startswith("N")]
    qual_so = [r["HWB name"] for _, r in risk.iterrows() if str(r[OVERALL_COLUMNS[2]]).endswith("*")]
    out.append(f"{len(yes)} of {n} plans are recommended for final sign-off"
               + (f", {len(qual_so)} of them with a qualification ({_names(qual_so)})" if qual_so else "")
               + (f"; not recommended: {_names(no)}." if no else "."))
    both = [x for x in high if x in yes]
    if both:
        out.append(f"High risk yet recommended for sign-off: {_names(both)}.")
    for key, questions, what in (("national_conditions", CONDITION_QUESTIONS, f"all {_n(len(CONDITION_QUESTIONS))} national conditions"),
                                 ("overall_assessment", ASSESSMENT_QUESTIONS, f"all {_n(len(ASSESSMENT_QUESTIONS))} overall-assessment questions")):
        green = _all_green(tables[key], questions)
        if not green:
            out.append(f"No plan is Green on {what}; every plan needs further monitoring.")
        elif len(green) == 1:
            rest = n - 1
            out.append(f"Only one plan ({green[0]}) is Green on {what}"
                       + (f"; the other {rest} need further monitoring." if rest else "."))
        else:
            out.append(f"{_n(len(green)).capitalize()} of {n} plans ({_names(green)}) are Green on {what}.")
        df = tables[key]
        for q in questions.values():
            reds = [r["HWB name"] for _, r in df.iterrows() if r[q] == "R"]
            if reds:
                out.append(f"Red on '{q}': {_names(reds)}.")
    return out


def assurance_long(result: RegionResult) -> pd.DataFrame:
    """One row per board and question (and the overall Y/N answers), LA code on every row."""
    rows = []
    for b in result.boards:
        rec = b.record.record if b.record is not None else None
        if rec is not None:
            o = rec.overall
            for key, value, why in (("high_risk", o.high_risk, o.high_risk_reason), ("recommend_sign_off", o.recommend_sign_off, "")):
                rows.append({"la_code": b.la_code, "hwb": b.name, "table": "overall_risk", "question_key": key,
                             "question": OVERALL_COLUMNS[0] if key == "high_risk" else OVERALL_COLUMNS[2],
                             "answer": value, "assurer_answer": value, "computed_rag": "", "qualified": value.endswith("*"),
                             "score": None, "page_ref": "", "comment": why,
                             "qualification": o.qualification if value.endswith("*") else "",
                             "override_reason": "", "computed_reason": ""})
        for a in b.answers:
            rows.append({"la_code": b.la_code, "hwb": b.name, "table": a.section, "question_key": a.key,
                         "question": a.question, "answer": a.rag or NOT_ASSESSED, "assurer_answer": a.assurer_rag or "",
                         "computed_rag": a.computed_rag or "", "qualified": False, "score": a.score,
                         "page_ref": a.page_ref or "", "comment": a.comment, "qualification": "",
                         "override_reason": a.override_reason, "computed_reason": a.computed_reason})
    cols = ["la_code", "hwb", "table", "question_key", "question", "answer", "assurer_answer", "computed_rag",
            "qualified", "score", "page_ref", "comment", "qualification", "override_reason", "computed_reason"]
    df = pd.DataFrame(rows, columns=cols)
    df["score"] = df["score"].astype("Int64")
    return df


def finance_long(result: RegionResult) -> pd.DataFrame:
    """Every finance figure of every board (£, to the penny), LA code on every row; the region's totals last."""
    rows = [{"la_code": r.la_code, "hwb": r.hwb, "scenario": r.scenario, "year": r.year, "figure": r.figure,
             "partner": r.partner, "value_gbp": r.value_gbp, "source": r.source} for r in result.finance_rows()]
    for t in totals(result):
        rows.append({"la_code": "REGION", "hwb": f"{result.name} (total of {t.boards_with} boards)",
                     "scenario": t.scenario, "year": t.year, "figure": t.figure, "partner": "", "value_gbp": t.value_gbp,
                     "source": "sum of the boards' figures" + (f"; without {', '.join(t.boards_without)}" if t.boards_without else "")})
    return pd.DataFrame(rows, columns=["la_code", "hwb", "scenario", "year", "figure", "partner", "value_gbp", "source"])


def finance_wide(result: RegionResult, year: str = "2015/16") -> pd.DataFrame:
    """One row per board (and a Total row): the pool in ``year``, Care Act, P4P sum, and each scenario's figures.

    Cells a board cannot give are empty (NaN), never zero.
    """
    columns = [("", year, "minimum_pool"), ("", year, "agreed_pool"), ("", year, "margin"),
               ("", year, "care_act_amount"), ("", year, "care_act_share"), ("", "all", "p4p_sum")]
    for s in result.scenarios:
        columns += [(s, "all", f) for f, per_scenario in PLAN_FIGURES if per_scenario]

    def label(c):
        scen, yr, fig = c
        return f"{FIGURE_LABELS[fig]} {yr}" if not scen else f"{scen}: {FIGURE_LABELS[fig]}"

    rows = []
    for b in result.boards:
        have = {(r.scenario, r.year, r.figure): r.value_gbp for r in b.finance if r.figure != "partner_payment"}
        rows.append({"LA Code": b.la_code, "HWB name": b.name, **{label(c): have.get(c) for c in columns}})
    tot = {(t.scenario, t.year, t.figure): t.value_gbp for t in totals(result)}
    rows.append({"LA Code": "", "HWB name": "Total", **{label(c): tot.get(c) for c in columns}})
    df = pd.DataFrame(rows)
    money = [label(c) for c in columns]
    df[money] = df[money].astype(float)
    return df


def missing_finance(result: RegionResult) -> list[str]:
    """Which finance figures each board lacks, in one sentence per group of boards lacking the same."""
    groups: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for b in result.boards:
        if b.missing:
            why = "no plan file" if b.board.plan is None else "plan not usable" if b.base is None else "not in the plan"
            groups.setdefault((tuple(b.missing), why), []).append(b.name)
    out = []
    for (missing, why), names in groups.items():
        labels = ", ".join(FIGURE_LABELS[m] for m in missing)
        out.append(f"Finance figures missing for {len(names)} board{'s' if len(names) > 1 else ''} "
                   f"({why}): {labels} - {_names(names)}.")
    return out
