#!/usr/bin/env python3
"""make lint: no SQL text is built at run time (security control 12, the parameterised half). Every libpq call
in src/ that takes SQL is given literal SQL (string literals and macros made of them), or SQL from
the const statement table in db.c whose entries are all literal, or - for migrate - the migration
files. Values then can only travel as parameters. (The least-privilege half, the role the pool
connects as and its grants, is tested by the roles tests of migration 0003.)

Reads the C source; needs no stack. Prints one line per finding and exits 1 if there is any.
usage: tests/lint/sql_literal.py"""

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# libpq function -> index of its SQL argument
SQL_ARG = {"PQexec": 1, "PQexecParams": 1, "PQsendQuery": 1, "PQsendQueryParams": 1,
           "PQprepare": 2, "PQsendPrepare": 2}
# SQL arguments that are not literal, with why each is safe (file, expression) -> reason
TRUSTED = {
    ("db.c", "db_stmts[i].sql"): "the const statement table, whose entries are checked to be literal",
    ("db.c", "st->sql"): "the same table",
    ("db.c", "db_stmts[id].sql"): "the same table",
    ("migrate.c", "sql"): "migrate_exec's parameter, whose callers are checked too",
}
# functions that pass an argument on as SQL: name -> (file, argument index, trusted non-literals)
WRAPPERS = {"migrate_exec": ("migrate.c", 1, {"buf_str(&sql)": "a migration file, written by the operator"})}

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_]\w*|\S')


def strip_comments(text):
    """Returns C text without comments (string literals kept as they are)."""
    return re.sub(r'("(?:[^"\\\n]|\\.)*")|/\*.*?\*/|//[^\n]*',
                  lambda m: m.group(1) or " ", text, flags=re.S)


def literal_macros(text):
    """Returns the #defines of text whose body is only string literals, literal macros and (for
    function-like ones) their parameters: {name: None, or the parameter names}."""
    defines = [(m.group(1), m.group(3).split(",") if m.group(2) else None, m.group(4).replace("\\\n", " "))
               for m in re.finditer(r"^#define\s+(\w+)(\(([^)]*)\))?[ \t]+((?:.*\\\n)*.*)$", text, flags=re.M)]
    known, grew = {}, True
    while grew:
        grew = False
        for name, params, body in defines:
            params = [x.strip() for x in params] if params is not None else None
            scope = {**known, **{x: None for x in params or []}}
            if name not in known and is_literal(body, scope):
                known[name] = params
                grew = True
    return known


def is_literal(expr, macros):
    """Returns True when expr is one or more string literals and literal macros (function-like
    ones given literal arguments), nothing else."""
    for name, params in macros.items():
        while params is not None and (m := re.search(rf"\b{name}\s*\(", expr)):
            end = balanced(expr, m.end() - 1)
            if not all(is_literal(a, macros) for a in split_args(expr[m.end():end - 1])):
                return False
            expr = expr[:m.start()] + '""' + expr[end:]
    tokens = TOKEN.findall(expr)
    return bool(tokens) and all(t.startswith('"') or (t in macros and macros[t] is None) for t in tokens)


def balanced(text, start):
    """Returns the index just past the bracket that closes the one at text[start]."""
    depth, i = 0, start
    while True:
        m = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[()\[\]{}]').search(text, i)
        if m is None:
            raise ValueError(f"unbalanced bracket at {start}")
        tok = m.group(0)
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            depth -= 1
            if depth == 0:
                return m.end()
        i = m.end()


def split_args(inner):
    """Splits the text between a call's parentheses at its top-level commas."""
    args, depth, current = [], 0, ""
    for tok in re.findall(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[^"\',()\[\]{}]+|.', inner, flags=re.S):
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            depth -= 1
        if tok == "," and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += tok
    return args + [current.strip()]


def calls(text, function):
    """Yields the argument lists of every call of function in text."""
    for m in re.finditer(rf"\b{function}\s*\(", text):
        open_at = m.end() - 1
        before = re.search(r"(\w+)[\s*]*$", text[:m.start()])
        if before and before.group(1) not in ("return", "else"):
            continue                    # a type before the name: its definition or prototype
        yield split_args(text[open_at + 1:balanced(text, open_at) - 1])


SOURCES = {p.name: strip_comments(p.read_text()) for p in sorted(SRC.glob("*.c")) + sorted(SRC.glob("*.cc"))}


def sql_arguments():
    """Returns (file, function, SQL argument) for every call that passes SQL, wrappers included."""
    found = []
    for name, text in SOURCES.items():
        for function, index in SQL_ARG.items():
            found += [(name, function, args[index]) for args in calls(text, function)]
        for function, (_, index, _) in WRAPPERS.items():
            found += [(name, function, args[index]) for args in calls(text, function)]
    return found


def check_the_calls_are_found():
    """Yields a finding when the checker no longer sees the calls it must check."""
    functions = {f for _, f, _ in sql_arguments()}
    if not {"PQexec", "PQexecParams", "PQprepare", "migrate_exec"} <= functions:
        yield f"the checker finds only calls of {sorted(functions)}"


def check_sql_is_never_built_at_run_time():
    """Yields each SQL argument that is neither literal nor a trusted expression."""
    for name, function, arg in sql_arguments():
        macros = literal_macros(SOURCES[name])
        trusted = WRAPPERS[function][2] if function in WRAPPERS else {
            expr: why for (file, expr), why in TRUSTED.items() if file == name}
        if not (is_literal(arg, macros) or arg in trusted):
            yield f"src/{name}: {function}() is given SQL built at run time: {arg}"


def check_the_table_is_const_and_literal():
    """Yields a finding when db_stmts is not a static const table of literal SQL."""
    text = SOURCES["db.c"]
    table = re.search(r"static const struct db_stmt db_stmts\[SQL__MAX\]\s*=\s*\{", text)
    if not table:
        yield "src/db.c: db_stmts is no longer a static const table"
        return
    body = text[table.end() - 1:balanced(text, table.end() - 1)]
    macros = literal_macros(text)
    entries = re.findall(r"\[(SQL_\w+)\]\s*=\s*", body)
    if len(entries) < 10:
        yield f"src/db.c: only {len(entries)} statements found in db_stmts: {entries}"
    for m in re.finditer(r"\[(SQL_\w+)\]\s*=\s*DB_STMT\s*\(", body):
        expr = split_args(body[m.end():balanced(body, m.end() - 1) - 1])[-1]    # the SQL is last
        if not is_literal(expr, macros):
            yield f"src/db.c: {m.group(1)}'s SQL is not literal: {expr}"


def check_each_trusted_exception_is_a_single_call():
    """Yields a finding when a trusted non-literal is used at more than one call site: a second use
    is new code that must be looked at (and literal, or added to TRUSTED with its reason)."""
    seen = [(file, arg) for file, function, arg in sql_arguments() if function in SQL_ARG]
    for key in TRUSTED:
        if seen.count(key) != 1:
            yield f"src/{key[0]}: {key[1]} is given to libpq at {seen.count(key)} call sites, not 1"


def main():
    """Runs every check; returns 1 if any found something, else 0."""
    findings = [f for check in (check_the_calls_are_found, check_sql_is_never_built_at_run_time,
                                check_the_table_is_const_and_literal,
                                check_each_trusted_exception_is_a_single_call) for f in check()]
    for finding in findings:
        print(f"sql_literal: {finding}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
