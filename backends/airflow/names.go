package airflow

import (
	"fmt"
	"regexp"
	"strings"
)

// Airflow task ids are at most 250 characters of letters, digits, "_",
// "-" and "." (airflow.sdk validate_key). dagc maps every other character
// to "_" and never produces ".", which keeps the watcher's id free.
const maxTaskIDLen = 250

// watcherTaskID is the id of the task that fails the run when any task
// failed (DESIGN 2.4). The "." cannot come out of taskID.
const watcherTaskID = "dagc.run_state"

func taskID(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x80 && (r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// pyVar maps a task name to a Python variable name: invalid characters
// become "_", a leading digit gets a "t_" prefix, and keywords, builtins
// and the names the generated module itself uses get a "_" suffix.
func pyVar(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x80 && (r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	if v == "" || v[0] >= '0' && v[0] <= '9' {
		v = "t_" + v
	}
	for reservedPyNames[v] {
		v += "_"
	}
	return v
}

// reservedPyNames may not be used for task variables: Python keywords
// (hard and soft), builtins, and every module-level name of the generated
// file (a task variable named "os" would break the output collector).
var reservedPyNames = func() map[string]bool {
	m := map[string]bool{}
	for _, group := range []string{
		// keywords and soft keywords
		"False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type _",
		// builtins
		"abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple vars zip __import__ __name__ __file__ __doc__ __builtins__ __spec__ __loader__ __package__ __annotations__",
		"ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError",
		// names of the generated module
		"annotations json math os shutil timedelta pendulum DAG Param BashOperator KubernetesPodOperator PythonOperator CronTriggerTimetable AirflowException AirflowFailException k8s dag",
		// and what it imports from the runtime module
		"dagc_runtime dagc_bash dagc_env dagc_macros dagc_items dagc_gate dagc_check_run dagc_run_state RetryCodesBashOperator",
	} {
		for _, n := range strings.Fields(group) {
			m[n] = true
		}
	}
	return m
}()

// jinjaIdent matches names usable after "params." in Jinja.
var jinjaIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var jinjaKeywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true, "if": true, "else": true,
	"true": true, "false": true, "none": true, "True": true, "False": true, "None": true,
}

// jinjaParam returns the Jinja expression of a param's value.
func jinjaParam(name string) string {
	if jinjaIdent.MatchString(name) && !jinjaKeywords[name] {
		return "params." + name
	}
	return "params[" + jinjaStrLit(name) + "]"
}

// nameCollision describes two tasks whose names map to the same target name.
func nameCollision(kind, a, b, mapped string) string {
	return fmt.Sprintf("tasks %q and %q both become the Airflow %s %q; rename one of them.", a, b, kind, mapped)
}
