#!/usr/bin/env bash
# Builds the bookworm-backports apt entry from the Debian source this machine already uses,
# so machines behind a local mirror or proxy (beamlines, HPC centres) keep using it: a fixed
# public host would be unreachable there. Sourced by setup-system.sh; also runnable on its own:
#   bash scripts/apt-backports.sh [APT_DIR]     prints the entry (default APT_DIR: /etc/apt)
# Reads what apt reads: APT_DIR/sources.list, sources.list.d/*.list (one-line format) and
# sources.list.d/*.sources (deb822). Tested on sample files in test/setup-sources.test.ts.

# apt_source_files APT_DIR: the files apt reads, one per line (other extensions are ignored by apt).
apt_source_files() {
  local dir=${1:-/etc/apt} f
  [ -f "$dir/sources.list" ] && echo "$dir/sources.list"
  for f in "$dir"/sources.list.d/*.list "$dir"/sources.list.d/*.sources; do
    [ -f "$f" ] && echo "$f"
  done
  return 0
}

# apt_entries APT_DIR: every enabled binary ('deb') entry as tab-separated
#   format  file  uri  suite  components  options
# with one row per (uri, suite); options are the one-line format's [ ... ] text, or for deb822
# the Signed-By/Architectures/Trusted fields joined with ';;' (a Signed-By holding an inline key
# keeps its continuation lines, joined with ';;' too).
apt_entries() {
  local f
  while IFS= read -r f; do
    case "$f" in
      *.sources) awk -v file="$f" -f <(apt_deb822_awk) "$f" ;;
      *) awk -v file="$f" -f <(apt_oneline_awk) "$f" ;;
    esac
  done < <(apt_source_files "$1")
}

apt_oneline_awk() {
  cat <<'AWK'
{
  line = $0
  sub(/#.*/, "", line)
  n = split(line, w, /[ \t]+/)
  i = 1
  if (w[i] == "") i++
  if (w[i] != "deb") next
  i++
  opts = ""
  if (substr(w[i], 1, 1) == "[") {
    # options run to the word that ends with ']' ('[arch=amd64 signed-by=/k.gpg]' or '[ a=b ]')
    opts = w[i]
    while (substr(w[i], length(w[i]), 1) != "]" && i < n) { i++; opts = opts " " w[i] }
    i++
  }
  uri = w[i]; suite = w[i + 1]
  comps = ""
  for (j = i + 2; j <= n; j++) if (w[j] != "") comps = comps (comps == "" ? "" : " ") w[j]
  if (uri == "" || suite == "") next
  printf "oneline\t%s\t%s\t%s\t%s\t%s\n", file, uri, suite, comps, opts
}
AWK
}

apt_deb822_awk() {
  cat <<'AWK'
function flush(   nu, ns, u, s, uu, ss, t, nt, isdeb) {
  if (types != "" && tolower(enabled) != "no") {
    nt = split(types, t, /[ \t]+/)
    isdeb = 0
    for (k = 1; k <= nt; k++) if (t[k] == "deb") isdeb = 1
    if (isdeb) {
      nu = split(uris, uu, /[ \t]+/); ns = split(suites, ss, /[ \t]+/)
      for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++)
        if (uu[u] != "" && ss[s] != "")
          printf "deb822\t%s\t%s\t%s\t%s\t%s\n", file, uu[u], ss[s], comps, opts
    }
  }
  types = ""; uris = ""; suites = ""; comps = ""; opts = ""; enabled = ""; key = ""
}
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
/^#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ {
  # continuation of the previous field (a multi-line Signed-By key, or a long URIs list)
  v = trim($0)
  if (key == "signed-by" || key == "architectures" || key == "trusted") opts = opts ";;" $0
  else if (key == "uris") uris = uris " " v
  else if (key == "suites") suites = suites " " v
  else if (key == "components") comps = comps " " v
  else if (key == "types") types = types " " v
  next
}
{
  c = index($0, ":")
  if (c == 0) next
  key = tolower(trim(substr($0, 1, c - 1))); v = trim(substr($0, c + 1))
  if (key == "types") types = v
  else if (key == "uris") uris = v
  else if (key == "suites") suites = v
  else if (key == "components") comps = v
  else if (key == "enabled") enabled = v
  else if (key == "signed-by" || key == "architectures" || key == "trusted")
    opts = opts (opts == "" ? "" : ";;") trim(substr($0, 1, c - 1)) ":" (v == "" ? "" : " " v)
}
END { flush() }
AWK
}

# apt_has_suite APT_DIR SUITE: true when an enabled 'deb' entry already serves SUITE.
apt_has_suite() {
  apt_entries "$1" | awk -F'\t' -v s="$2" '$4 == s { found = 1 } END { exit !found }'
}

# apt_backports_entry APT_DIR [CODENAME]: prints the CODENAME-backports entry for the source
# that serves Debian CODENAME, in that source's own format (a 'deb ...' line, or a deb822
# stanza), keeping its signing and architecture options. The Debian archive is the entry for
# CODENAME with component 'main'; when several qualify (a third-party repository can also be
# called 'bookworm main'), the one whose URI also serves CODENAME-updates wins, then a URI
# ending in /debian, then file order. Returns 1, printing nothing, when none is configured.
apt_backports_entry() {
  local dir=${1:-/etc/apt} code=${2:-bookworm}
  apt_entries "$dir" | awk -F'\t' -v code="$code" '
    { fmt[NR] = $1; uri[NR] = $3; suite[NR] = $4; comps[NR] = $5; opts[NR] = $6
      if ($4 == code "-updates") updates[$3] = 1 }
    END {
      best = 0; bestScore = -1
      for (r = 1; r <= NR; r++) {
        if (suite[r] != code) continue
        if ((" " comps[r] " ") !~ / main /) continue
        score = (uri[r] in updates) ? 2 : 0
        if (uri[r] ~ /\/debian\/?$/) score += 1
        if (score > bestScore) { best = r; bestScore = score }
      }
      if (!best) exit 1
      if (fmt[best] == "oneline") {
        printf "deb %s%s %s-backports main\n", (opts[best] == "" ? "" : opts[best] " "), uri[best], code
      } else {
        printf "Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\n", uri[best], code
        n = split(opts[best], o, /;;/)
        for (k = 1; k <= n; k++) print o[k]
      }
    }'
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  apt_backports_entry "${1:-/etc/apt}" "${2:-bookworm}"
fi
