# The benchmark's result table: rows collected during the run, printed once, optionally written as
# CSV or JSON (BENCH_OUT=file.csv|file.json). Sourced by tests/bench/bench.sh.
# shellcheck shell=bash

ROW_NAMES=()
ROW_VALUES=()
ROW_UNITS=()
ROW_TARGETS=()
ROW_VERDICTS=()
NOTES=()

# Adds one row: NAME VALUE UNIT [TARGET VERDICT], where VERDICT is met, NOT met or empty.
row() {
    ROW_NAMES+=("$1")
    ROW_VALUES+=("$2")
    ROW_UNITS+=("$3")
    ROW_TARGETS+=("${4:-}")
    ROW_VERDICTS+=("${5:-}")
}

# Adds one line printed under the table.
note() {
    NOTES+=("$1")
}

# Prints "met" if the awk condition (on variables v and t) holds, else "NOT met".
verdict() {
    if awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then
        printf 'met\n'
    else
        printf 'NOT met\n'
    fi
}

# Prints the table, its header and its notes.
report_print() {
    local i
    printf '\n%s\n\n' "$REPORT_TITLE"
    printf '%-50s %24s  %-6s %-20s %s\n' "measure" "value" "unit" "target" "verdict"
    printf '%-50s %24s  %-6s %-20s %s\n' "-------" "-----" "----" "------" "-------"
    for i in "${!ROW_NAMES[@]}"; do
        printf '%-50s %24s  %-6s %-20s %s\n' "${ROW_NAMES[$i]}" "${ROW_VALUES[$i]}" \
            "${ROW_UNITS[$i]}" "${ROW_TARGETS[$i]}" "${ROW_VERDICTS[$i]}"
    done
    if [ "${#NOTES[@]}" -gt 0 ]; then
        printf '\n'
        printf '%s\n' "${NOTES[@]}"
    fi
}

# Quotes a CSV field when it needs it.
csv_field() {
    case "$1" in
        *[\",]*) printf '"%s"' "${1//\"/\"\"}" ;;
        *) printf '%s' "$1" ;;
    esac
}

# Prints a JSON string.
json_string() {
    local s="${1//\\/\\\\}"
    printf '"%s"' "${s//\"/\\\"}"
}

# Prints a JSON number if the value is one, else a JSON string.
json_value() {
    if [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
        printf '%s' "$1"
    else
        json_string "$1"
    fi
}

# Writes the table to $BENCH_OUT as CSV or JSON, chosen by the file's extension.
report_write() {
    local out="$1" i tmp
    tmp="$out.tmp"
    case "$out" in
        *.csv)
            {
                printf 'measure,value,unit,target,verdict\n'
                for i in "${!ROW_NAMES[@]}"; do
                    printf '%s,%s,%s,%s,%s\n' "$(csv_field "${ROW_NAMES[$i]}")" \
                        "$(csv_field "${ROW_VALUES[$i]}")" "$(csv_field "${ROW_UNITS[$i]}")" \
                        "$(csv_field "${ROW_TARGETS[$i]}")" "$(csv_field "${ROW_VERDICTS[$i]}")"
                done
            } >"$tmp"
            ;;
        *.json)
            {
                printf '{\n  "title": %s,\n  "date": %s,\n  "machine": %s,\n  "rows": [\n' \
                    "$(json_string "$REPORT_TITLE")" "$(json_string "$REPORT_DATE")" \
                    "$(json_string "$REPORT_MACHINE")"
                for i in "${!ROW_NAMES[@]}"; do
                    printf '    {"measure": %s, "value": %s, "unit": %s, "target": %s, "verdict": %s}%s\n' \
                        "$(json_string "${ROW_NAMES[$i]}")" "$(json_value "${ROW_VALUES[$i]}")" \
                        "$(json_string "${ROW_UNITS[$i]}")" "$(json_string "${ROW_TARGETS[$i]}")" \
                        "$(json_string "${ROW_VERDICTS[$i]}")" \
                        "$([ "$i" -lt $(( ${#ROW_NAMES[@]} - 1 )) ] && printf ',')"
                done
                printf '  ],\n  "notes": ['
                for i in "${!NOTES[@]}"; do
                    printf '%s\n    %s' "$([ "$i" -gt 0 ] && printf ',')" "$(json_string "${NOTES[$i]}")"
                done
                printf '\n  ]\n}\n'
            } >"$tmp"
            ;;
        *) die "BENCH_OUT must end in .csv or .json: $out" ;;
    esac
    mv "$tmp" "$out"
}
