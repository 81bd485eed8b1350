package datasets

import (
	"fmt"
	"strings"
	"testing"
)

func TestUint8Array(t *testing.T) {
	data := make([]uint8, 2*3*4)
	for i := range data {
		data[i] = uint8(i)
	}
	a := Uint8Array{Shape: []int{2, 3, 4}, Data: data}
	if a.Len() != 2 {
		t.Errorf("Len = %d, want 2", a.Len())
	}
	if got := a.Describe(); got != "uint8 (2, 3, 4)" {
		t.Errorf("String = %q", got)
	}
	r := a.Row(1)
	if r.Describe() != "uint8 (3, 4)" || r.Len() != 3 || r.Data[0] != 12 || len(r.Data) != 12 {
		t.Errorf("Row(1) = %v %v", r, r.Data)
	}
	// A view: writes show through, appends do not.
	r.Data[0] = 99
	if a.Data[12] != 99 {
		t.Error("Row is not a view")
	}
	_ = append(a.Row(0).Data, 7)
	if a.Data[12] != 99 {
		t.Error("append to a row overwrote the next row")
	}
	rr := r.Row(2)
	if rr.Describe() != "uint8 (4,)" || rr.Data[0] != 20 {
		t.Errorf("Row(1).Row(2) = %v %v", rr, rr.Data)
	}
	if s := rr.Row(3); s.Describe() != "uint8 ()" || s.Len() != 0 || len(s.Data) != 1 || s.Data[0] != 23 {
		t.Errorf("scalar row = %v %v", s, s.Data)
	}
	if got := (Uint8Array{}).Describe(); got != "uint8 ()" {
		t.Errorf("zero value String = %q", got)
	}
	if got := fmt.Sprint(Uint8Array{Shape: []int{60000}}); got != "uint8 (60000,) with 0 values (inconsistent)" {
		t.Errorf("1-D String = %q", got)
	}
}

func TestUint8ArrayRowPanics(t *testing.T) {
	a := Uint8Array{Shape: []int{2, 2}, Data: make([]uint8, 4)}
	for _, tc := range []struct {
		a    Uint8Array
		i    int
		want string
	}{
		{a, 2, "datasets: Row(2) out of range for uint8 (2, 2)"},
		{a, -1, "datasets: Row(-1) out of range"},
		{Uint8Array{}, 0, "datasets: Row of an array without dimensions"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.HasPrefix(s, tc.want) {
					t.Errorf("Row(%d) on %v: panic %v, want %q", tc.i, tc.a, r, tc.want)
				}
			}()
			tc.a.Row(tc.i)
		}()
	}
}
