// Command layout measures how much parallelism the Step Functions layout
// loses: on a fixed corpus of random DAGs it prints, for the naive layout
// (one Parallel per topological level) and for layout.Layout, the simulated
// makespan divided by the DAG's critical path, mean and worst, for
// series-parallel graphs, other graphs and all; then layout times on bigger
// graphs.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"text/tabwriter"
	"time"

	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
	"github.com/dagc-dev/dagc/backends/stepfunctions/layout/randdag"
)

type stats struct {
	n           int
	sum, worst  float64
	exact       int // ratio exactly 1
	naiveSum    float64
	naiveWorst  float64
	naiveExact  int
	invalid     int
	belowCP     int
	worseNaive  int
	slowest     time.Duration
	slowestSize int
}

func (s *stats) add(g layout.Graph) {
	start := time.Now()
	tree := layout.Layout(g)
	took := time.Since(start)
	if took > s.slowest {
		s.slowest, s.slowestSize = took, len(g.Nodes)
	}
	if layout.Validate(g, tree) != nil {
		s.invalid++
	}
	cp := layout.CriticalPath(g)
	span := layout.Simulate(tree, g.Weight)
	naive := layout.Simulate(layout.Naive(g), g.Weight)
	if span < cp {
		s.belowCP++
	}
	if span > naive {
		s.worseNaive++
	}
	r, nr := span/cp, naive/cp
	s.n++
	s.sum += r
	s.naiveSum += nr
	s.worst = max(s.worst, r)
	s.naiveWorst = max(s.naiveWorst, nr)
	if span == cp {
		s.exact++
	}
	if naive == cp {
		s.naiveExact++
	}
}

func (s *stats) merge(o *stats) {
	s.n += o.n
	s.sum += o.sum
	s.naiveSum += o.naiveSum
	s.worst = max(s.worst, o.worst)
	s.naiveWorst = max(s.naiveWorst, o.naiveWorst)
	s.exact += o.exact
	s.naiveExact += o.naiveExact
	s.invalid += o.invalid
	s.belowCP += o.belowCP
	s.worseNaive += o.worseNaive
	if o.slowest > s.slowest {
		s.slowest, s.slowestSize = o.slowest, o.slowestSize
	}
}

func main() {
	seed := flag.Uint64("seed", 20240601, "corpus seed")
	perKind := flag.Int("graphs", 100, "graphs of each kind (series-parallel, other)")
	timing := flag.Bool("timing", true, "also time layouts of bigger graphs")
	flag.Parse()

	rng := rand.New(rand.NewPCG(*seed, 1))
	var sp, other stats
	for i := 0; i < *perKind; i++ {
		g := randdag.SeriesParallel(rng, 10+rng.IntN(51), 10)
		if !layout.IsSeriesParallel(g) {
			fmt.Fprintln(os.Stderr, "generator produced a graph that is not series-parallel")
			os.Exit(1)
		}
		sp.add(g)
	}
	for i := 0; i < *perKind; i++ {
		// Draw until the graph is not series-parallel, so the two rows
		// are what they say.
		for {
			n := 10 + rng.IntN(51)
			var g layout.Graph
			switch i % 3 {
			case 0: // sparse random forward edges
				g = randdag.Random(rng, n, 10, (1.5+rng.Float64()*2)/float64(n))
			case 1: // denser random forward edges
				g = randdag.Random(rng, n, 10, 0.05+rng.Float64()*0.25)
			default: // layered with cross edges
				g = randdag.Layered(rng, n, 10, 2+rng.IntN(6), rng.Float64()*0.4)
			}
			if !layout.IsSeriesParallel(g) {
				other.add(g)
				break
			}
		}
	}
	var all stats
	all.merge(&sp)
	all.merge(&other)

	fmt.Printf("corpus: seed %d, %d series-parallel + %d other random DAGs, 10-60 nodes, durations 1-10\n",
		*seed, sp.n, other.n)
	fmt.Println("ratio = simulated makespan of the layout / critical path of the DAG (1.00 = no parallelism lost)")
	fmt.Println()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "graphs\tcount\tnaive mean\tnaive worst\tnaive exact\tlayout mean\tlayout worst\tlayout exact\t")
	for _, row := range []struct {
		name string
		s    *stats
	}{{"series-parallel", &sp}, {"other", &other}, {"all", &all}} {
		s := row.s
		fmt.Fprintf(w, "%s\t%d\t%.4f\t%.4f\t%d\t%.4f\t%.4f\t%d\t\n", row.name, s.n,
			s.naiveSum/float64(s.n), s.naiveWorst, s.naiveExact,
			s.sum/float64(s.n), s.worst, s.exact)
	}
	w.Flush()
	fmt.Println()
	fmt.Printf("checks: %d invalid layouts, %d below the critical path, %d worse than naive; slowest %v (%d nodes)\n",
		all.invalid, all.belowCP, all.worseNaive, all.slowest.Round(time.Microsecond), all.slowestSize)
	// Small graphs: compare with the best layout, found by exhaustive search.
	orng := rand.New(rand.NewPCG(*seed, 3))
	var optSum, laySum, naiveSum float64
	optimal, small := 0, 0
	for small < *perKind {
		n := 8 + orng.IntN(7)
		var g layout.Graph
		switch small % 3 {
		case 0:
			g = randdag.Random(orng, n, 10, (1.5+orng.Float64()*2)/float64(n))
		case 1:
			g = randdag.Random(orng, n, 10, 0.05+orng.Float64()*0.25)
		default:
			g = randdag.Layered(orng, n, 10, 2+orng.IntN(6), orng.Float64()*0.4)
		}
		if layout.IsSeriesParallel(g) {
			continue
		}
		small++
		cp := layout.CriticalPath(g)
		best := randdag.Optimum(g)
		span := layout.Simulate(layout.Layout(g), g.Weight)
		optSum += best / cp
		laySum += span / cp
		naiveSum += layout.Simulate(layout.Naive(g), g.Weight) / cp
		if span == best {
			optimal++
		}
	}
	fmt.Println()
	fmt.Printf("%d other DAGs of 8-14 nodes against the best possible layout (exhaustive search):\n", small)
	fmt.Printf("mean ratio: naive %.4f, layout %.4f, best possible %.4f; layout optimal on %d of %d\n",
		naiveSum/float64(small), laySum/float64(small), optSum/float64(small), optimal, small)

	if *timing {
		fmt.Println()
		fmt.Println("bigger graphs (one each):")
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "graph\tnodes\tlayout time\tnaive ratio\tlayout ratio\tvalid\t")
		trng := rand.New(rand.NewPCG(*seed, 2))
		for _, c := range []struct {
			name string
			g    layout.Graph
		}{
			{"series-parallel", randdag.SeriesParallel(trng, 300, 10)},
			{"random sparse", randdag.Random(trng, 300, 10, 3.0/300)},
			{"random dense", randdag.Random(trng, 300, 10, 0.1)},
			{"layered", randdag.Layered(trng, 300, 10, 8, 0.3)},
			{"series-parallel", randdag.SeriesParallel(trng, 2000, 10)},
			{"random sparse", randdag.Random(trng, 2000, 10, 3.0/2000)},
			{"layered", randdag.Layered(trng, 2000, 10, 8, 0.3)},
		} {
			start := time.Now()
			tree := layout.Layout(c.g)
			took := time.Since(start)
			cp := layout.CriticalPath(c.g)
			fmt.Fprintf(w, "%s\t%d\t%v\t%.4f\t%.4f\t%v\t\n", c.name, len(c.g.Nodes), took.Round(time.Millisecond),
				layout.Simulate(layout.Naive(c.g), c.g.Weight)/cp, layout.Simulate(tree, c.g.Weight)/cp,
				layout.Validate(c.g, tree) == nil)
		}
		w.Flush()
	}
}
