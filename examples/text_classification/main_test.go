package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func write(t *testing.T, path, text string, compress bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b := []byte(text)
	if compress {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(b)
		w.Close()
		b = z.Bytes()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSummary(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, page, want string }{
		{"ls.1.gz", ".TH LS 1\n.SH NAME\nls \\- list directory contents\n.SH SYNOPSIS\n.B ls\n", "list directory contents"},
		{"printf.3.gz", ".SH NAME\nprintf, fprintf,\nvsnprintf \\- formatted output conversion\n.SH LIBRARY\n", "formatted output conversion"},
		{"git-add.1.gz", ".SH \"NAME\"\ngit-add \\- Add file contents to the index\n.SH \"SYNOPSIS\"\n", "Add file contents to the index"},
		{"cat.1.gz", ".Dd\n.Sh NAME\n.Nm cat\n.Nd concatenate and print files\n.Sh SYNOPSIS\n", "concatenate and print files"},
		{"esc.1.gz", ".SH NAME\n\\fBesc\\fR \\- print \\(lqquoted\\(rq text with \\fIfonts\\fP and a\\-dash\n.SH X\n", "print quoted text with fonts and a-dash"},
		{"fmt.1", ".SH NAME\n.B fmt\n\\- simple optimal text formatter\n.SH X\n", "simple optimal text formatter"},
		{"alias.3.gz", ".so man3/printf.3\n", ""},
		{"noname.1.gz", ".SH DESCRIPTION\nnothing \\- here\n", ""},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		write(t, p, c.page, strings.HasSuffix(c.name, ".gz"))
		got, err := summary(p)
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

var accuracyRE = regexp.MustCompile(`test accuracy: (\d\.\d+) - always "[a-z ]+": (\d\.\d+)`)

// TestProgram runs the program briefly on a tiny manual tree (commands
// and interfaces whose summaries differ in their words) and on a tiny
// aclImdb tree.
func TestProgram(t *testing.T) {
	man := t.TempDir()
	cmds := []string{"list", "print", "show", "display", "run", "start", "stop", "edit", "view", "format"}
	apis := []string{"allocate", "free", "copy", "compare", "read", "write", "lock", "unlock", "map", "seed"}
	for i := range 40 {
		write(t, filepath.Join(man, "man1", fmt.Sprintf("c%d.1.gz", i)),
			fmt.Sprintf(".SH NAME\nc%d \\- %s the %s of a directory tree\n.SH SYNOPSIS\n", i, cmds[i%10], cmds[(i/10+3)%10]), true)
		write(t, filepath.Join(man, "man3", fmt.Sprintf("f%d.3.gz", i)),
			fmt.Sprintf(".SH NAME\nf%d \\- %s a buffer in memory with %s\n.SH LIBRARY\n", i, apis[i%10], apis[(i/10+5)%10]), true)
	}
	write(t, filepath.Join(man, "man3", "alias.3.gz"), ".so man3/f1.3\n", true)
	write(t, filepath.Join(man, "man1", "gcloud_x.1.gz"), ".SH NAME\ngcloud x \\- list the things\n", true)
	var out bytes.Buffer
	save := filepath.Join(t.TempDir(), "text.safetensors")
	o := options{man: man, epochs: 8, batch: 8, units: 8, maxTokens: 200, seed: 1, verbose: 0, save: save}
	if err := run(o, &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	s := out.String()
	for _, want := range []string{
		"manual pages: 40 commands (sections 1, 8), 40 programming interfaces (2, 3); 80 distinct summaries kept (40, 40)",
		"training on 64 summaries, testing on 16",
		"bidirectional (Bidirectional)",
		"the predictions below come from the loaded model",
		`"list directory contents": command`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if m := accuracyRE.FindStringSubmatch(s); m == nil {
		t.Errorf("no accuracy line:\n%s", s)
	} else if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.9 {
		t.Errorf("test accuracy %v on the toy task, want >= 0.9:\n%s", acc, s)
	}

	// The transformer encoder on the same pages.
	out.Reset()
	o = options{man: man, model: "transformer", epochs: 12, batch: 8, units: 8, maxTokens: 200, seed: 1, verbose: 0, save: save}
	if err := run(o, &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	s = out.String()
	// Parameters by hand: Embedding 31·8, PositionEmbedding 16·8,
	// MultiHeadAttention 4·(8·2·4 + 8) (its output bias is 8 too: 3·72 +
	// 64 + 8), two LayerNormalizations 2·16, Dense 8·16+16, 16·8+8, 8+1.
	for _, want := range []string{"Total params: 985 ", "the predictions below come from the loaded model"} {
		if !strings.Contains(s, want) {
			t.Errorf("transformer output lacks %q:\n%s", want, s)
		}
	}
	if m := accuracyRE.FindStringSubmatch(s); m == nil {
		t.Errorf("no accuracy line:\n%s", s)
	} else if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.9 {
		t.Errorf("transformer test accuracy %v on the toy task, want >= 0.9:\n%s", acc, s)
	}

	acl := filepath.Join(t.TempDir(), "aclImdb")
	for i := range 12 {
		for _, split := range []string{"train", "test"} {
			write(t, filepath.Join(acl, split, "pos", fmt.Sprintf("%d_9.txt", i)), "A wonderful, moving film. Great acting!", false)
			write(t, filepath.Join(acl, split, "neg", fmt.Sprintf("%d_2.txt", i)), "Dull and far too long. Awful acting.", false)
		}
	}
	out.Reset()
	o = options{imdb: acl, epochs: 3, batch: 4, units: 4, maxTokens: 50, seqLen: 12, verbose: 0}
	if err := run(o, &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	if s := out.String(); !strings.Contains(s, "IMDB reviews: 24 for training, 24 for testing") || !accuracyRE.MatchString(s) {
		t.Errorf("IMDB run:\n%s", s)
	}
}
