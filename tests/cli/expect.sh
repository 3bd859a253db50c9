# Sourced by the command-line tests (run in their scratch folder): fails counts the failures.
fails=0
# expect EXIT_CODE 'TEXT' COMMAND...: exit code and a message containing TEXT (stdout+stderr)
expect() {
  want=$1; text=$2; shift 2
  "$@" >out.txt 2>&1; rc=$?
  if [ $rc -ne "$want" ] || ! grep -qF -- "$text" out.txt; then
    echo "FAIL: $* -> exit $rc (wanted $want), output:"; cat out.txt; echo "(wanted: $text)"; fails=$((fails + 1))
  fi
}
