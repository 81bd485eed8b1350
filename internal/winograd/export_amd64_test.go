package winograd

// setAsm turns the assembly kernels on or off and returns the old setting.
func setAsm(on bool) bool {
	old := hasAVX512
	hasAVX512 = on && old
	return old
}

func restoreAsm(old bool) { hasAVX512 = old }
