"""Payment terms and due dates as worksheet formulas, for the native rules.

Why a module of its own: the engine parses a 付款方式 cell with regular expressions
(gendan.model.terms) and computes due dates from it (gendan.rules.receivables); the native rules need the
same answers from Excel 2010 functions only.  The formulas here follow that grammar with the
very word lists of gendan.model.terms: the payment method (gd_m, numbered as
gendan.model.terms.METHODS), the tenor (gd_n: the number before DAY/天/日, else the first number
not before a %), the first percentage (gd_pc) and the due date (gd_due: a typed 到期日, else
the date the terms give, with the schema's day counts).  The per-row values are helper cells
(gendan.native.rules.HELPER_NAMES), so each is computed once per row.

Forms the formulas read differently from the engine are listed in docs/native-rules.md
(a decimal percentage, a tenor written in words, "L/C" spelled with a space…).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gendan.model.terms import (
    ADVANCE_WORDS,
    BALANCE_WORDS,
    DA_WORDS,
    DEPOSIT_WORDS,
    DP_WORDS,
    LC_WORDS,
    METHODS,
    OA_WORDS,
    SIGHT_WORDS,
    TT_WORDS,
    USANCE_WORDS,
)

PREFIX = "gd_"  # every defined name gendan writes
_MCODE = {m: k for k, m in enumerate(METHODS, start=1)}  # method → number in the formulas


def _slug(s: str) -> str:
    return "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in s).strip("_").lower()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _strlist(values: Iterable[str]) -> str:
    """An array constant of texts: {"a","b"} (quotes doubled)."""
    return "{" + ",".join('"' + v.replace('"', '""') + '"' for v in values) + "}"


def _trailing_digits(x: str) -> str:
    """How many digits (0-3) end the text ``x``: one character converts to a number only
    when it is a digit (a whole "30%" or "1E5" would convert too)."""

    def d(k: int) -> str:
        return f"ISNUMBER(-MID({x},LEN({x})-{k},1))"

    return f"{d(0)}*(1+{d(1)}*(1+{d(2)}))"


class TermsFormulas:
    """The payment-terms names of a rule builder (gendan.native.rules._Builder supplies
    ``names``, ``book``, ``s`` (settings), ``m1()`` and ``list_name()``)."""

    names: dict[str, str]
    book: Any
    s: Any

    def m1(self) -> Any:  # pragma: no cover - provided by the builder
        raise NotImplementedError

    def list_name(self, slug: str, values: Iterable[str]) -> str:  # pragma: no cover
        raise NotImplementedError

    def terms_names(self) -> None:
        if f"{PREFIX}m" in self.names:
            return
        c = self.m1()
        n = self.names
        t = f"{PREFIX}t"
        n[t] = f'" "&SUBSTITUTE(UPPER(ASC({c["payment_terms"]})),"/","")&" "'

        def has(slug: str, words: Iterable[str]) -> str:
            name = self.list_name(slug, words)
            return f"(SUMPRODUCT(--ISNUMBER(SEARCH({name},{t})))>0)"

        def word(w: str) -> str:
            at = f'SEARCH("{w}",{t})'

            def nl(p: str) -> str:
                return f"OR(CODE(MID({t},{p},1))<65,CODE(MID({t},{p},1))>90)"

            name = f"{PREFIX}w_{_slug(w)}"
            n[name] = f"IFERROR(AND({nl(at + '-1')},{nl(at + f'+{len(w)}')}),FALSE)"
            return name

        # the tenor: the number before DAY/天/日, else the first number not before a %
        n[f"{PREFIX}ku"] = _strlist(("DAY", "DS", "天", "日"))
        n[f"{PREFIX}pu"] = f"IFERROR(SEARCH({PREFIX}ku,{t}),999)"
        pre = f"TRIM(LEFT({t},{PREFIX}pu-1))"
        n[f"{PREFIX}nu"] = (
            f"IF({_trailing_digits(pre)}>0,--RIGHT({pre},{_trailing_digits(pre)}),-1)"
        )
        n[f"{PREFIX}n1"] = (
            f"MIN(IF(({PREFIX}nu>=0)*({PREFIX}pu<999),{PREFIX}pu*1000+{PREFIX}nu,1E9))"
        )
        n[f"{PREFIX}dg"] = _strlist("0123456789")
        n[f"{PREFIX}q"] = f"MIN(IFERROR(FIND({PREFIX}dg,{t}),999))"

        def dig(k: int) -> str:  # one character: a digit
            return f"ISNUMBER(-MID({t},{PREFIX}q+{k},1))"

        n[f"{PREFIX}k"] = f"1+{dig(1)}*(1+{dig(2)})"
        after = f"MID({t},{PREFIX}q+{PREFIX}k,1)"
        n[f"{PREFIX}n"] = (
            f'IF({PREFIX}n1<1E9,MOD({PREFIX}n1,1000),IF(AND({PREFIX}q<999,{after}<>"%",{after}<>".",'
            f"NOT(ISNUMBER(-{after}))),--MID({t},{PREFIX}q,{PREFIX}k),-1))"
        )
        # the first percentage and how many there are
        pc_pre = f'TRIM(LEFT({t},FIND("%",{t})-1))'
        n[f"{PREFIX}pc"] = (
            f"IFERROR(IF({_trailing_digits(pc_pre)}>0,--RIGHT({pc_pre},{_trailing_digits(pc_pre)}),-1),-1)"
        )
        n[f"{PREFIX}np"] = f'LEN({t})-LEN(SUBSTITUTE({t},"%",""))'
        sight, usance = has("sight", SIGHT_WORDS), has("usance", USANCE_WORDS)
        dep, bal, adv = (
            has("dep", DEPOSIT_WORDS),
            has("bal", BALANCE_WORDS),
            has("adv", ADVANCE_WORDS),
        )
        N, pc, np_ = f"{PREFIX}n", f"{PREFIX}pc", f"{PREFIX}np"
        M = _MCODE
        n[f"{PREFIX}mlc"] = (
            f'IF({N}>0,IF(AND(ISNUMBER(SEARCH("SIGHT",{t})),{PREFIX}n1>=1E9),{M["LC_SIGHT"]},'
            f"{M['LC_USANCE']}),IF({usance},0,{M['LC_SIGHT']}))"
        )
        n[f"{PREFIX}mtt"] = (
            f"IF(AND({pc}>=100,NOT({bal})),{M['TT_ADVANCE']},IF(OR({dep},AND({np_}>=2,{pc}<100),"
            f"AND({bal},{pc}>=0,{pc}<100)),IF({pc}>=0,{M['TT_BALANCE']},0),"
            f"IF(AND({bal},NOT({adv})),{M['TT_BALANCE']},IF({adv},{M['TT_ADVANCE']},0))))"
        )
        n[f"{PREFIX}dep"] = (
            f"IF(AND({PREFIX}m={M['TT_BALANCE']},{pc}>=0,OR({dep},{pc}<100)),{pc},0)"
        )
        n[f"{PREFIX}dpd"] = f"IF({sight},0,MAX({N},0))"
        is_lc = f"OR({word('LC')},{word('L C')},{has('lc', LC_WORDS)})"
        is_da = f"OR({word('DA')},{has('da', DA_WORDS)})"
        is_dp = f"OR({word('DP')},{has('dp', DP_WORDS)})"
        is_oa = f"OR({word('OA')},{has('oa', OA_WORDS)})"
        is_tt = f"OR({word('TT')},{has('tt', TT_WORDS)})"
        n[f"{PREFIX}m"] = (
            f"IF({is_lc},{PREFIX}mlc,IF({is_da},IF({N}>=0,{M['DA']},0),IF({is_dp},{M['DP']},"
            f"IF({is_oa},IF({N}>=0,{M['OA']},0),IF({is_tt},{PREFIX}mtt,0)))))"
        )

    def due_names(self) -> bool:
        """gd_due: the due date the engine uses (typed 到期日, else from the terms)."""
        m = self.book.master
        need = ("payment_terms", "amount")
        if not all(m.has(k) for k in need):
            return False
        self.terms_names()
        c, s, n = self.m1(), self.s, self.names
        M = _MCODE

        def d(key: str) -> str:
            return f'IF(ISNUMBER({c[key]}),{c[key]},"")' if m.has(key) else '""'

        got = f"MAX(N({c['received_amount']}),0)" if m.has("received_amount") else "0"
        depamt = f"ROUND({c['amount']}*{PREFIX}dep/100,2)"
        n[f"{PREFIX}dd"] = (
            f"AND({depamt}>0,ROUND({depamt}-MIN({got},{depamt}),2)>{_num(s.overdue_threshold)})"
        )
        sent = c["docs_sent_date"] if m.has("docs_sent_date") else None
        lc_base = f'IF(ISNUMBER({sent}),WORKDAY({sent},{s.lc_banking_days}),"")' if sent else '""'
        oa_base = (
            f"IF(ISNUMBER({c['bl_date']}),{c['bl_date']},{d('invoice_date')})"
            if m.has("bl_date")
            else d("invoice_date")
        )
        bases = {
            "TT_ADVANCE": d("etd"),
            "TT_BALANCE": f"IF({PREFIX}dd,{d('contract_date')},{d('bl_date')})",
            "DP": d("docs_sent_date"),
            "DA": d("docs_sent_date"),
            "LC_SIGHT": lc_base,
            "LC_USANCE": d("bl_date"),
            "OA": oa_base,
        }
        adds = {
            "TT_ADVANCE": "0",
            "TT_BALANCE": f"IF({PREFIX}dd,{s.deposit_due_days},{s.grace_days})",
            "DP": f"{s.collection_transit_days}+{PREFIX}dpd",
            "DA": f"{s.collection_transit_days}+{PREFIX}n",
            "LC_SIGHT": str(s.lc_transit_days),
            "LC_USANCE": f"{PREFIX}n",
            "OA": f"{PREFIX}n",
        }
        n[f"{PREFIX}bs"] = (
            f'IF({PREFIX}m=0,"",CHOOSE({PREFIX}m,' + ",".join(bases[x] for x in METHODS) + "))"
        )
        n[f"{PREFIX}ad"] = f"CHOOSE(MAX({PREFIX}m,1)," + ",".join(adds[x] for x in METHODS) + ")"
        computed = f'IF(ISNUMBER({PREFIX}bs),{PREFIX}bs+{PREFIX}ad,"")'
        n[f"{PREFIX}due"] = (
            f"IF(ISNUMBER({c['due_date']}),{c['due_date']},{computed})"
            if m.has("due_date")
            else computed
        )
        del M
        return True
