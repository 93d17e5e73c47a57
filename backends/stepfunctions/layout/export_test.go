package layout

// SetSearch changes the search's tuning for experiments; it returns a
// function restoring the previous values.
func SetSearch(look, work int) (restore func()) {
	oldLook, oldWork := lookahead, workPerNode
	lookahead, workPerNode = look, work
	return func() { lookahead, workPerNode = oldLook, oldWork }
}
