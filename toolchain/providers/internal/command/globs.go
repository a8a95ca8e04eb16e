package command

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
)

// globRegexp translates a glob ("*" within a path segment, "**" across segments,
// "?" one character, "/" separators) into an anchored regular expression.
func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch {
		case ch == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			i++
			if i+1 < len(pattern) && pattern[i+1] == '/' {
				i++
				b.WriteString("(?:.*/)?")
			} else {
				b.WriteString(".*")
			}
		case ch == '*':
			b.WriteString("[^/]*")
		case ch == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// matchGlobs returns the files under dir (relative, "/"-separated) selected by the
// rules in order: a pattern includes, a "!pattern" excludes.
func matchGlobs(dir string, rules []string) ([]string, error) {
	type rule struct {
		re      *regexp.Regexp
		exclude bool
	}
	var rs []rule
	for _, r := range rules {
		ex := strings.HasPrefix(r, "!")
		re, err := globRegexp(strings.TrimPrefix(strings.TrimPrefix(r, "!"), "./"))
		if err != nil {
			return nil, err
		}
		rs = append(rs, rule{re, ex})
	}
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, rerr := filepath.Rel(dir, path)
		if rerr != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		keep := false
		for _, r := range rs {
			if r.re.MatchString(rel) {
				keep = !r.exclude
			}
		}
		if keep {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

func globAssets(dir string, rules []string) (resource.PropertyValue, error) {
	files, err := matchGlobs(dir, rules)
	if err != nil {
		return resource.PropertyValue{}, err
	}
	m := resource.PropertyMap{}
	for _, f := range files {
		a, err := asset.FromPath(filepath.Join(dir, f))
		if err != nil {
			return resource.PropertyValue{}, err
		}
		m[resource.PropertyKey(f)] = resource.NewAssetProperty(a)
	}
	return resource.NewObjectProperty(m), nil
}

func globArchive(dir string, rules []string) (resource.PropertyValue, error) {
	files, err := matchGlobs(dir, rules)
	if err != nil {
		return resource.PropertyValue{}, err
	}
	assets := map[string]any{}
	for _, f := range files {
		a, err := asset.FromPath(filepath.Join(dir, f))
		if err != nil {
			return resource.PropertyValue{}, err
		}
		assets[f] = a
	}
	ar, err := archive.FromAssets(assets)
	if err != nil {
		return resource.PropertyValue{}, err
	}
	return resource.NewArchiveProperty(ar), nil
}
