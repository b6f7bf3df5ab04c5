package tui

import (
	"sort"
	"strings"

	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// fuzzyScore reports whether every rune of pattern appears in name in order,
// ignoring case, and scores the match: higher for runs of adjacent runes and
// for a match at the start of the name or after an underscore.
func fuzzyScore(pattern, name string) (int, bool) {
	if pattern == "" {
		return 0, true
	}
	p := []rune(strings.ToLower(pattern))
	n := []rune(strings.ToLower(name))
	score, i, prev := 0, 0, -2
	for j, r := range n {
		if i == len(p) {
			break
		}
		if r != p[i] {
			continue
		}
		score++
		if j == prev+1 {
			score += 3
		}
		if j == 0 || n[j-1] == '_' {
			score += 2
		}
		prev = j
		i++
	}
	if i < len(p) {
		return 0, false
	}
	// A shorter name is the better match of two equal scores.
	return score*100 - len(n), true
}

// filterVars returns the indexes of the entries matching pattern, best
// first, and in name order for an empty pattern.
func filterVars(pattern string, vars []VarEntry) []int {
	type scored struct{ index, score int }
	var hits []scored
	for i, e := range vars {
		if s, ok := fuzzyScore(pattern, e.Name()); ok {
			hits = append(hits, scored{i, s})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].score > hits[b].score })
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = h.index
	}
	return out
}

// searchVars returns the variables of v whose name contains query, and the
// leaves whose C path or value text contains it, ignoring case.
func searchVars(query string, v *vnetwalk.Vnet, vars []VarEntry) []Match {
	q := strings.ToLower(query)
	var out []Match
	for _, e := range vars {
		if strings.Contains(strings.ToLower(e.Name()), q) {
			out = append(out, Match{Vnet: v, Var: e.Name(), Text: oneLine(e)})
			continue
		}
		if e.Value == nil {
			continue
		}
		for _, l := range vnetwalk.Flatten(e.Name(), e.Value) {
			t := l.Text()
			if strings.Contains(strings.ToLower(t), q) || strings.Contains(strings.ToLower(l.Path), q) {
				out = append(out, Match{Vnet: v, Var: e.Name(), Path: l.Path, Text: t})
			}
		}
	}
	return out
}
