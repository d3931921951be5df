# expect: 3:1: label 'start' is defined twice
start: mvin rows=8, cols=8, row=0, addr=0
start: mvout rows=8, cols=8, row=0, addr=64
