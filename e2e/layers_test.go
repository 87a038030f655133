package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLayers keeps the dependency rules of the design (the README's
// architecture table) on the non-test imports of every package (go
// list): an adapter decides nothing about incidents, so it imports neither
// handlers nor store; handlers know nothing of HTTP; bot is the
// vocabulary, on the standard library and zap alone; postmortem is a pure
// transform, on bot, the standard library and goldmark (its Markdown
// to safe HTML for the web's postmortem document); app wires everything, and
// nothing but the warroom command imports it.
func TestLayers(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = ".." // the module's root
	out, err := cmd.Output()
	require.NoError(t, err)
	const mod = "github.com/warroomhq/warroom/"
	checked := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		for _, imp := range imports {
			if imp == mod+"app" {
				require.Equal(t, strings.TrimSuffix(mod, "/"), pkg, "%s imports app: only the warroom command may", pkg)
			}
			switch {
			case strings.HasPrefix(pkg, "adapters/") && !isFake(pkg):
				require.NotContains(t, []string{mod + "handlers", mod + "store"}, imp, "%s imports %s", pkg, imp)
			case pkg == "handlers":
				require.NotEqual(t, "net/http", imp, "handlers imports net/http")
			case pkg == "postmortem":
				std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
				require.True(t, std || imp == mod+"bot" || strings.HasPrefix(imp, "github.com/yuin/goldmark"), "postmortem imports %s", imp)
			case pkg == "bot":
				std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
				require.True(t, std || imp == "go.uber.org/zap", "bot imports %s", imp)
			}
		}
		checked++
	}
	require.Greater(t, checked, 10, "go list listed the packages")
}

// isFake reports whether pkg is a fake of an outside system for tests.
func isFake(pkg string) bool {
	last := pkg[strings.LastIndex(pkg, "/")+1:]
	return strings.HasPrefix(last, "fake") || strings.HasSuffix(last, "test")
}
