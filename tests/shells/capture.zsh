# Print the candidates zsh's completion system offers for a command line, one per line.
#   zsh -f capture.zsh COMPLETIONS_DIR DUMP 'convcalc shape con'
# An interactive zsh runs in a pseudo-terminal (zpty) with compinit and the _convcalc from
# COMPLETIONS_DIR on $fpath; the line is typed and TAB pressed.  DUMP is compinit's cache
# file: made when missing, then reused (-C), since scanning $fpath takes most of a second.  compadd is wrapped to print
# each match with the prefixes it is inserted with, then the shell exits.
zmodload zsh/zpty || exit 3
zpty capture zsh -f -i
if [[ -s $2 ]]; then
  zpty -w capture "fpath=(${(q)1} \$fpath); PROMPT=; autoload -Uz compinit; compinit -C -d ${(q)2}"
else
  zpty -w capture "fpath=(${(q)1} \$fpath); PROMPT=; autoload -Uz compinit; compinit -u -d ${(q)2}"
fi
zpty -w capture 'bindkey "^I" complete-word; zstyle ":completion:*" insert-tab false'
zpty -w capture 'comppostfuncs=(exit)'
zpty -w capture 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; local -A apre hpre; local hit
  builtin compadd -A hits "$@"
  zparseopts -E P:=apre p:=hpre
  for hit in $hits; do print -r -- "CANDIDATE:$IPREFIX${apre[-P]}${hpre[-p]}$hit"; done
  builtin compadd "$@"
}'
zpty -w capture 'print READY'
local line
while zpty -r capture line; do [[ $line == READY* ]] && break; done
zpty -w -n capture "$3"$'\t'
while zpty -r capture line; do
  [[ $line == *CANDIDATE:* ]] && print -r -- "${${line#*CANDIDATE:}%%$'\r'*}"
done
exit 0
