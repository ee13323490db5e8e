#!/usr/bin/env bash
# Style checks of scripts/test, sourced by it.
#
# wshost_check_format ROOT: fails when a C or C++ file of the tree differs from
# what clang-format makes of it with the committed .clang-format. Debian 12's
# clang-format 14 is the reference: another major version formats some
# constructs differently, so the check is skipped with a note rather than
# failing a tree that is formatted as the reference formats it.
#
# wshost_report_duplicates ROOT: prints the `duplicates` tool's report over the
# tree when the tool is on PATH (informational: it never fails the run).

# The files the check covers: every tracked C/C++ source (outside a checkout,
# every such file below ROOT that is not a build tree).
wshost_style_files() {
    local root=$1
    if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$root" ls-files -- '*.c' '*.h' '*.cc' '*.cpp' '*.hpp'
    else
        (cd "$root" && find . -path './build*' -prune -o -path '*/node_modules' -prune -o \
            -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.cpp' -o -name '*.hpp' \) \
            -print | sed 's|^\./||')
    fi
}

wshost_check_format() {
    local root=$1 tool version
    tool=$(command -v clang-format-14 || command -v clang-format || true)
    if [[ -z $tool ]]; then
        echo "style: clang-format not found: add Debian package clang-format (scripts/lib/deps.sh)"
        return 1
    fi
    version=$("$tool" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
    if [[ $version != 14 ]]; then
        echo "style: format check SKIPPED: $tool is version $version, the reference is 14 (Debian 12)"
        return 0
    fi
    local -a files
    mapfile -t files < <(wshost_style_files "$root")
    local -a bad=()
    local f
    for f in "${files[@]}"; do
        "$tool" --dry-run -Werror --style=file "$root/$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if ((${#bad[@]})); then
        echo "style: ${#bad[@]} of ${#files[@]} files differ from .clang-format:"
        printf '  %s\n' "${bad[@]}"
        echo "style: fix with: clang-format -i <files>   (clang-format 14)"
        return 1
    fi
    echo "style: ${#files[@]} files formatted as .clang-format says"
}

wshost_report_duplicates() {
    local root=$1
    if ! command -v duplicates >/dev/null 2>&1; then
        echo "style: duplicates report SKIPPED (the duplicates tool is not on PATH)"
        return 0
    fi
    echo "style: duplicates report (informational):"
    duplicates --repo "$root" --most 20 | sed 's/^/  /'
}
