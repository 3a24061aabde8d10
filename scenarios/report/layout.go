package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Geometry of a ladder, in SVG pixels. Text is 11 px monospace, about
// charW wide per character.
const (
	timeColumn = 64  // left margin with the time of each row
	headerH    = 44  // lane boxes
	firstRowY  = 72  // baseline of the first row
	rowH       = 20  // one row per message, handshake, verdict or remark
	charW      = 6.7 // width of one character at 11 px monospace
	minLaneW   = 150
	maxLaneW   = 480
	ladderW    = 1040 // preferred width of a whole diagram
)

// svgLadder is a ladder laid out for the page template: every position
// computed, every text still raw (the template escapes it).
type svgLadder struct {
	Width, Height int
	Lanes         []svgLane
	Rows          []svgRow
	LifeTop       int
	LifeBottom    int
}

type svgLane struct {
	Key, Title, Sub string
	X, BoxX, BoxW   int
}

type svgRow struct {
	Kind         string // "arrow", "band", "mark", "note"
	Class        string
	Verdict      string
	Y, TextY     int
	X1, X2       int
	TextX        int
	Anchor       string // text-anchor
	Label, Full  string
	Head         string // arrowhead polygon points, or ""
	Cross        string // path of the cross at a failed end, or ""
	Shape        string // path of a mark's or note's symbol
	BandX, BandW int
	Time         string // "+1.234s", or "" when the same as the row before
	TimeX, TimeY int
	Fail         bool
	Lane         string // lane key of a mark, a note or a blocked dial's verdict
}

// layout places a ladder.
func layout(l ladder) svgLadder {
	n := len(l.Lanes)
	laneW := (ladderW - timeColumn - 16) / max(n, 1)
	laneW = min(max(laneW, minLaneW), maxLaneW)
	width := timeColumn + laneW*n + 16
	out := svgLadder{Width: width, LifeTop: 6 + headerH}
	x := func(i int) int { return timeColumn + laneW*i + laneW/2 }
	for i, ln := range l.Lanes {
		out.Lanes = append(out.Lanes, svgLane{Key: ln.Key, Title: ln.Title, Sub: shorten(ln.Sub, int(float64(laneW-8)/charW)),
			X: x(i), BoxX: x(i) - laneW/2 + 4, BoxW: laneW - 8})
	}
	lastTime := ""
	for i, r := range l.Rows {
		y := firstRowY + i*rowH
		s := svgRow{Class: r.Class, Verdict: r.Verdict, Y: y, TextY: y - 4, Full: r.Text, Fail: r.Fail, Lane: r.Lane, TimeX: timeColumn - 6, TimeY: y + 4}
		if t := fmt.Sprintf("+%.3fs", r.At.Seconds()); t != lastTime {
			s.Time, lastTime = t, t
		}
		x1, x2 := x(r.From), x(r.To)
		switch r.Kind {
		case rowArrow:
			s.Kind = "arrow"
			s.X1, s.X2 = x1, x2
			s.TextX, s.Anchor = (x1+x2)/2, "middle"
			s.Label = shorten(r.Text, int(float64(abs(x2-x1))/charW))
			if s.Label != r.Text { // too long for the arrow: run on to the right
				lo := min(x1, x2)
				s.TextX, s.Anchor = lo+8, "start"
				s.Label = shorten(r.Text, int(float64(width-lo-12)/charW))
			}
			switch {
			case r.Fail && r.Verdict == "refused": // the box answered with a reset: a bar
				s.Cross = fmt.Sprintf("M%d %dL%d %d", x2, y-6, x2, y+6)
			case r.Fail:
				s.Cross = cross(x2, y, 5)
			default:
				s.Head = arrowHead(x1, x2, y)
			}
		case rowBand:
			s.Kind = "band"
			lo, hi := min(x1, x2), max(x1, x2)
			s.BandX, s.BandW = lo, hi-lo
			s.TextX, s.TextY, s.Anchor = (lo+hi)/2, y+4, "middle"
			s.Label = shorten(r.Text, int(float64(hi-lo-16)/charW))
		default:
			s.Kind = "mark"
			if r.Kind == rowNote {
				s.Kind = "note"
			}
			s.X1, s.X2, s.TextY = x1, x1, y+4
			s.Lane = l.Lanes[r.From].Key
			s.Shape = markShape(r, x1, y)
			// Run the text to the right of the symbol when it fits there
			// (or there is more room there), else to the left, never into
			// the time column.
			right, left := width-x1-14, x1-10-timeColumn
			avail := right
			s.TextX, s.Anchor = x1+10, "start"
			if need := int(float64(utf8.RuneCountInString(r.Text)) * charW); need > right && left > right {
				avail = left
				s.TextX, s.Anchor = x1-10, "end"
			}
			s.Label = shorten(r.Text, int(float64(avail)/charW))
		}
		out.Rows = append(out.Rows, s)
	}
	out.Height = firstRowY + len(l.Rows)*rowH
	out.LifeBottom = out.Height - rowH/2
	return out
}

// arrowHead is the triangle at x2 of an arrow from x1.
func arrowHead(x1, x2, y int) string {
	d := 7
	if x2 < x1 {
		d = -7
	}
	return fmt.Sprintf("%d,%d %d,%d %d,%d", x2, y, x2-d, y-4, x2-d, y+4)
}

// cross is an X of half-size h centred on x, y.
func cross(x, y, h int) string {
	return fmt.Sprintf("M%d %dL%d %dM%d %dL%d %d", x-h, y-h, x+h, y+h, x-h, y+h, x+h, y-h)
}

// markShape is the symbol of a verdict or remark: a cross for dropped, a
// bar for refused, a diamond for rewritten, a break for cut, a ring for
// delayed and seen, a dot for a remark.
func markShape(r row, x, y int) string {
	switch r.Verdict {
	case "dropped":
		return cross(x, y, 6)
	case "refused":
		return fmt.Sprintf("M%d %dL%d %dM%d %dL%d %d", x-6, y, x+2, y, x+2, y-7, x+2, y+7)
	case "rewritten":
		return fmt.Sprintf("M%d %dL%d %dL%d %dL%d %dZ", x, y-7, x+7, y, x, y+7, x-7, y)
	case "cut":
		return fmt.Sprintf("M%d %dL%d %dM%d %dL%d %d", x-6, y+6, x-1, y-6, x+1, y+6, x+6, y-6)
	case "":
		return fmt.Sprintf("M%d %dm-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0", x, y)
	}
	return fmt.Sprintf("M%d %dm-6 0a6 6 0 1 0 12 0a6 6 0 1 0-12 0", x, y)
}

// shorten cuts s to n characters, ending in an ellipsis when cut.
func shorten(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if n < 4 {
		n = 4
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
