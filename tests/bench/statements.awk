# Turns the statements one request ran, as PostgreSQL logged them (log_statement = all:
# "LOG:  execute NAME: SQL" and "DETAIL:  parameters: $1 = '...', ..."), into a pgbench script
# that runs exactly those statements, in that order, as one transaction.
#   awk -v script=FILE -v vars=FILE -v tokens=N -f statements.awk LOG
# The token hash parameter (a 32-byte bytea) becomes a lookup of a random one of the N signed-in
# sessions (bench.tokens); every other parameter becomes a pgbench variable, written to vars as
# NAME=VALUE lines for pgbench -D, so pgbench -M prepared binds it as the application does.

# Unquotes a logged parameter value ('...' with '' for a quote).
function unquote(v) {
    v = substr(v, 2, length(v) - 2)
    gsub(/''/, "'", v)
    return v
}

# Splits "$1 = '...', $2 = NULL" into param[1..n]; returns n.
function parse_params(s,    n, i, c, v, inq) {
    n = 0
    while ((i = index(s, "$")) > 0) {
        s = substr(s, i + 1)
        n = substr(s, 1, index(s, " ") - 1) + 0
        s = substr(s, index(s, "= ") + 2)
        if (substr(s, 1, 1) != "'") {
            param[n] = "NULL"
            s = substr(s, 5)
            continue
        }
        # Find the closing quote: a quote not followed by another one.
        for (i = 2; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (c == "'" && substr(s, i + 1, 1) == "'") { i++; continue }
            if (c == "'") break
        }
        param[n] = substr(s, 1, i)
        s = substr(s, i + 1)
    }
    return n
}

# Rewrites one statement: parameters as above; string literals holding a colon written as E'...'
# with \x3a for it, the same constant, so that pgbench does not take ":name" inside them for a variable.
function rewrite(sql, j,    out, i, c, lit, k, num, p) {
    out = ""
    i = 1
    while (i <= length(sql)) {
        c = substr(sql, i, 1)
        if (c == "'") {
            lit = "'"
            for (k = i + 1; k <= length(sql); k++) {
                lit = lit substr(sql, k, 1)
                if (substr(sql, k, 1) == "'" && substr(sql, k + 1, 1) == "'") { lit = lit "'"; k++; continue }
                if (substr(sql, k, 1) == "'") break
            }
            if (index(lit, ":") > 0) {
                gsub(/\\/, "\\\\", lit)
                gsub(/:/, "\\x3a", lit)
                lit = "E" lit
            }
            out = out lit
            i = k + 1
        } else if (c == "$" && substr(sql, i + 1, 1) ~ /[0-9]/) {
            num = ""
            for (k = i + 1; substr(sql, k, 1) ~ /[0-9]/; k++)
                num = num substr(sql, k, 1)
            p = params[j, num + 0]
            if (p ~ /^'\\x[0-9a-f]+'$/ && length(p) == 68)
                out = out "(SELECT h FROM bench.tokens WHERE i = :i)"
            else if (p == "NULL")
                out = out "NULL"
            else {
                out = out ":s" j "p" num
                print "s" j "p" num "=" unquote(p) > vars
            }
            i = k
        } else {
            out = out c
            i++
        }
    }
    return out
}

# "... [PID] LOG:  execute NAME: SQL": a statement.
index($0, "] LOG:  execute ") > 0 {
    s = substr($0, index($0, "] LOG:  execute ") + 16)
    nstmt++
    sql[nstmt] = substr(s, index(s, ": ") + 2)
    next
}

# "... [PID] DETAIL:  parameters: ...": the parameters of the statement just logged.
index($0, "] DETAIL:  parameters: ") > 0 && nstmt > 0 {
    n = parse_params(substr($0, index($0, "] DETAIL:  parameters: ") + 23))
    for (k = 1; k <= n; k++)
        params[nstmt, k] = param[k]
}

END {
    if (nstmt == 0)
        exit 1
    printf "" > vars
    print "\\set i random(1, " tokens ")" > script
    for (j = 1; j <= nstmt; j++)
        print rewrite(sql[j], j) ";" > script
}
