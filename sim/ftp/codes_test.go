package ftp

import "testing"

func TestClassPositive(t *testing.T) {
	tests := []struct {
		code, class int
		positive    bool
	}{
		{CodeRestartMarker, 1, true},
		{CodeFileStatusOK, 1, true},
		{CodeOK, 2, true},
		{CodeClosingData, 2, true},
		{CodeNeedPassword, 3, true},
		{CodePendingFurther, 3, true},
		{CodeServiceNotAvail, 4, false},
		{CodeCantOpenData, 4, false},
		{CodeSyntaxError, 5, false},
		{CodeFileNotFound, 5, false},
		{631, 6, false},
		{99, 0, false},
		{0, 0, false},
	}
	for _, tt := range tests {
		if got := Class(tt.code); got != tt.class {
			t.Errorf("Class(%d) = %d, want %d", tt.code, got, tt.class)
		}
		if got := Positive(tt.code); got != tt.positive {
			t.Errorf("Positive(%d) = %v, want %v", tt.code, got, tt.positive)
		}
	}
	if CodeNetworkProtocol != CodeTLSNegotiation {
		t.Error("CodeNetworkProtocol and CodeTLSNegotiation must share 522")
	}
}
