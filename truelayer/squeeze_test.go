package truelayer

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// squeezeByByte is spaceSqueezer's rule applied a byte at a time: the
// reference its bulk copying of strings must match.
func squeezeByByte(in []byte) []byte {
	var out []byte
	inString, escaped, spaced := false, false, false
	for _, c := range in {
		switch {
		case inString:
			inString = escaped || c != '"'
			escaped = !escaped && c == '\\'
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if spaced {
				continue
			}
			spaced = true
		default:
			spaced = false
			inString = c == '"'
		}
		out = append(out, c)
	}
	return out
}

// chunkReader hands out its bytes in pieces of random length, so a
// string, an escape or a run of spaces is cut between reads.
type chunkReader struct {
	b   []byte
	rnd *rand.Rand
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(1+r.rnd.IntN(9), len(p), len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

func TestSpaceSqueezerMatchesTheByteRule(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`"\ 	` + "\n\r" + `ab{}[]:,é`)
	for i := range 2000 {
		in := make([]byte, rnd.IntN(64))
		for j := range in {
			in[j] = alphabet[rnd.IntN(len(alphabet))]
		}
		want := squeezeByByte(in)
		for _, r := range []io.Reader{bytes.NewReader(in), &chunkReader{in, rnd}} {
			got, err := io.ReadAll(&spaceSqueezer{r: r})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("case %d: %q squeezed to %q, want %q", i, in, got, want)
			}
		}
	}
}
