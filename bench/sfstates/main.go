// Command sfstates prints figures of Step Functions definitions: per file,
// the number of states (nested branches and Map iterators included), the
// number whose name starts with "dagc ", how many are Pass, Choice and
// Fail states, and the size in bytes; with -tree,
// the state tree (name and type, branches indented).
//
//	go run ./bench/sfstates testdata/golden/stepfunctions/*.asl.json
//	go run ./bench/sfstates -tree testdata/golden/stepfunctions/tutorial.asl.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// state is what the figures read of a state.
type state struct {
	Type          string  `json:"Type"`
	Branches      []group `json:"Branches"`
	ItemProcessor *group  `json:"ItemProcessor"`
	Iterator      *group  `json:"Iterator"`
}

// group is a machine, a branch or an iterator: its states in file order.
type group struct {
	Names  []string
	States map[string]state
}

func (g *group) UnmarshalJSON(data []byte) error {
	var raw struct {
		States json.RawMessage `json:"States"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw.States, &g.States); err != nil {
		return err
	}
	// Key order, for the tree: read the object's tokens.
	dec := json.NewDecoder(bytes.NewReader(raw.States))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		g.Names = append(g.Names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

func walk(g *group, depth int, visit func(name string, s state, depth int)) {
	for _, n := range g.Names {
		s := g.States[n]
		visit(n, s, depth)
		for i := range s.Branches {
			walk(&s.Branches[i], depth+1, visit)
		}
		if s.ItemProcessor != nil {
			walk(s.ItemProcessor, depth+1, visit)
		}
		if s.Iterator != nil {
			walk(s.Iterator, depth+1, visit)
		}
	}
}

func main() {
	tree := flag.Bool("tree", false, "print the state tree of each file")
	flag.Parse()
	if !*tree {
		fmt.Println("| definition | states | `dagc …` | Pass | Choice | Fail | bytes |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	}
	var total, totalDagc, totalBytes int
	totalTypes := map[string]int{}
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var def group
		if err := json.Unmarshal(data, &def); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
		n, dagc := 0, 0
		types := map[string]int{}
		if *tree {
			fmt.Printf("%s\n", filepath.Base(path))
		}
		walk(&def, 0, func(name string, s state, depth int) {
			n++
			types[s.Type]++
			totalTypes[s.Type]++
			if strings.HasPrefix(name, "dagc ") {
				dagc++
			}
			if *tree {
				fmt.Printf("%s%-*s %s\n", strings.Repeat("  ", depth+1), 44-2*depth, name, s.Type)
			}
		})
		total, totalDagc, totalBytes = total+n, totalDagc+dagc, totalBytes+len(data)
		if !*tree {
			fmt.Printf("| %s | %d | %d | %d | %d | %d | %d |\n", strings.TrimSuffix(filepath.Base(path), ".asl.json"), n, dagc, types["Pass"], types["Choice"], types["Fail"], len(data))
		}
	}
	if !*tree {
		fmt.Printf("| **total** | %d | %d | %d | %d | %d | %d |\n", total, totalDagc, totalTypes["Pass"], totalTypes["Choice"], totalTypes["Fail"], totalBytes)
	}
}
