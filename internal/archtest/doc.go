// Package archtest holds the test that keeps ftpsim's import graph the DAG
// drawn in STYLE.md. It has no code of its own.
package archtest
