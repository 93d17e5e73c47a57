package argo

import (
	"strconv"

	"github.com/dagc-dev/dagc/ir"
)

// Argo's executor reads an output parameter from valueFrom.path as it is:
// bytes that are not UTF-8 become U+FFFD when the node's status is encoded
// as JSON, the 32 KiB limit is not Argo's, and a missing file gives Argo's
// own message. So a task with outputs runs its command under a small POSIX
// sh wrapper that, once the command has exited 0, applies the rule of
// internal/outputs (DESIGN 2.3) to each declared output and fails the
// container with the same message as the local runner and dagc exec.
//
// The wrapper is a constant: the output names (letters, digits, '-' and
// '_', see isParamName) and the command come in as positional parameters,
// never as code. The command runs as `( exec "$@" )`, so argv[0] is always
// a program found on PATH, never a shell builtin, and reaches it exactly.
// It holds no "{{" (Argo's templater) and no "$(NAME)" with NAME a valid
// environment variable name (the kubelet's expansion of command strings).
// It needs sh, od and awk in the image, which POSIX and busybox provide.

// outputCheckName is $0 of the wrapper, shown by ps and in sh's messages.
const outputCheckName = "dagc-outputs"

// utf8Awk reads od -tu1's decimal bytes and prints "size" when the value,
// one trailing newline dropped, exceeds m bytes, "utf8" when it is not
// valid UTF-8 (the ranges of Go's utf8.ValidString: no overlong forms, no
// surrogates, nothing above U+10FFFF), else "ok". k counts the
// continuation bytes still due, x..y is the range of the next one. A
// newline cannot end an incomplete sequence validly, so dropping it does
// not change validity. Kept terse: it is in every task's template.
const utf8Awk = `{for(i=1;i<=NF;i++){b=$i+0;n++;l=b
if(k){if(b<x||b>y)e=1;k--;x=128;y=191;continue}
if(b<128)continue;x=128;y=191
if(b>193&&b<224)k=1;else if(b==224){k=2;x=160}else if(b==237){k=2;y=159}
else if(b>224&&b<240)k=2;else if(b==240){k=3;x=144}else if(b==244){k=3;y=143}
else if(b>240&&b<244)k=3;else e=1}}
END{r="ok";if(e||k)r="utf8";if(n-(l==10)>m)r="size";print r}`

// outputCheckScript is the wrapper. Arguments: the number of outputs, their
// names, then the command. The command runs before the wrapper sets any
// variable, so an environment variable of the same name reaches it
// unchanged. The messages are internal/outputs' (a socket's or device's
// file type as Go's FileMode.Type prints it).
var outputCheckScript = `set -uf
( shift $(($1 + 1)); exec "$@" ) || exit
a='` + utf8Awk + `'
n=$1
while [ "$n" -gt 0 ]; do
  n=$((n - 1)); shift; o=$1; f=$DAGC_OUTPUTS/$o; w=
  if [ -L "$f" ]; then w="a symbolic link; write the value into \$DAGC_OUTPUTS/$o itself"
  elif [ ! -e "$f" ]; then echo "declared output \"$o\" was not written (expected the file \$DAGC_OUTPUTS/$o)" >&2; exit 1
  elif [ -p "$f" ]; then w='a named pipe (FIFO), not a regular file'
  elif [ -d "$f" ]; then w='a directory, not a regular file'
  elif [ -S "$f" ]; then w='not a regular file (mode S---------)'
  elif [ -c "$f" ]; then w='not a regular file (mode Dc---------)'
  elif [ -b "$f" ]; then w='not a regular file (mode D---------)'
  elif [ ! -f "$f" ]; then w='not a regular file'
  else
    b=$(od -An -v -tu1 -N ` + strconv.Itoa(ir.MaxOutputBytes+2) + ` "$f") || exit 1
    case $(echo "$b" | awk -v m=` + strconv.Itoa(ir.MaxOutputBytes) + ` "$a") in
      ok) ;;
      size) w='larger than the 32 KiB limit' ;;
      utf8) w='not UTF-8 text' ;;
      *) echo "output \"$o\" could not be checked (awk failed)" >&2; exit 1 ;;
    esac
  fi
  if [ -n "$w" ]; then echo "output \"$o\" is $w" >&2; exit 1; fi
done
`

// checkedArgv wraps a container command so that the declared outputs are
// checked once it exits 0.
func checkedArgv(outputs []string, argv []string) []string {
	out := []string{"sh", "-c", outputCheckScript, outputCheckName, strconv.Itoa(len(outputs))}
	out = append(out, outputs...)
	return append(out, argv...)
}

// outputNames are the names of leaf's output parameters.
func outputNames(leaf *leafView) []string {
	var names []string
	for _, o := range leaf.Outputs {
		names = append(names, o.Key)
	}
	return names
}
