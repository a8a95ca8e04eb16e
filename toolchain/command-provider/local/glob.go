package local

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
)

// compileGlob turns one assetPaths/archivePaths rule into a regexp over slash-separated relative paths:
// `*` matches within one path segment, `**` across segments, `?` one character, `[..]` a class and `{a,b}`
// alternatives. A leading `!` (an exclude rule) is not part of the pattern.
func compileGlob(pattern string) (*regexp.Regexp, error) {
	pat := strings.TrimPrefix(pattern, "!")
	if pat == "" {
		return nil, fmt.Errorf("glob %q is empty", pattern)
	}
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '*' && i+1 < len(pat) && pat[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(pat[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("glob %q has a '[' without its ']'", pattern)
			}
			class := pat[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		case c == '{':
			depth++
			b.WriteString("(?:")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		case c == '\\' && i+1 < len(pat):
			b.WriteString(regexp.QuoteMeta(string(pat[i+1])))
			i++
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("glob %q has a '{' without its '}'", pattern)
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// selectFiles applies the rules in order: an include adds the files it matches, an exclude (`!…`) removes them.
func selectFiles(files []string, patterns []string) ([]string, error) {
	kept := map[string]bool{}
	for _, pat := range patterns {
		re, err := compileGlob(pat)
		if err != nil {
			return nil, err
		}
		exclude := strings.HasPrefix(pat, "!")
		for _, f := range files {
			if re.MatchString(f) {
				if exclude {
					delete(kept, f)
				} else {
					kept[f] = true
				}
			}
		}
	}
	out := make([]string, 0, len(kept))
	for f := range kept {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// listFiles lists the regular files below dir as slash-separated relative paths.
func listFiles(dir string) ([]string, error) {
	var files []string
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}
