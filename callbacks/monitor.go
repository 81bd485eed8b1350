package callbacks

import (
	"fmt"
	"strings"
)

// maximizeFor resolves Keras's mode argument for a monitored key: "min",
// "max", or "auto" (and "") which maximizes keys naming an accuracy,
// precision, recall or AUC and minimizes the rest.
func maximizeFor(who, monitor, mode string) (bool, error) {
	switch mode {
	case "", "auto":
		k := strings.ToLower(monitor)
		return strings.Contains(k, "acc") || strings.Contains(k, "precision") ||
			strings.Contains(k, "recall") || strings.Contains(k, "auc"), nil
	case "min":
		return false, nil
	case "max":
		return true, nil
	}
	return false, fmt.Errorf("callbacks: %s: Mode must be \"min\", \"max\" or \"auto\", got %q", who, mode)
}
