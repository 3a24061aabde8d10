module github.com/ftpsim/ftpsim

go 1.26
