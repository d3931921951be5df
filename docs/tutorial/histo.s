# segment 0
clear
load_bin rows=8, row=0, addr=0x0
load_wt rows=8, row=0, addr=0x18800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x80
load_wt rows=8, row=8, addr=0x18880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x100
load_wt rows=8, row=16, addr=0x18900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x180
load_wt rows=8, row=24, addr=0x18980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x200
load_wt rows=8, row=0, addr=0x18a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x280
load_wt rows=8, row=8, addr=0x18a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x300
load_wt rows=8, row=16, addr=0x18b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x380
load_wt rows=8, row=24, addr=0x18b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x400
load_wt rows=8, row=0, addr=0x18c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x480
load_wt rows=8, row=8, addr=0x18c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x500
load_wt rows=8, row=16, addr=0x18d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x580
load_wt rows=8, row=24, addr=0x18d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x600
load_wt rows=8, row=0, addr=0x18e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x680
load_wt rows=8, row=8, addr=0x18e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x700
load_wt rows=8, row=16, addr=0x18f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x780
load_wt rows=8, row=24, addr=0x18f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31000
# segment 1
clear
load_bin rows=8, row=0, addr=0x800
load_wt rows=8, row=0, addr=0x19000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x880
load_wt rows=8, row=8, addr=0x19080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x900
load_wt rows=8, row=16, addr=0x19100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x980
load_wt rows=8, row=24, addr=0x19180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xa00
load_wt rows=8, row=0, addr=0x19200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xa80
load_wt rows=8, row=8, addr=0x19280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xb00
load_wt rows=8, row=16, addr=0x19300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xb80
load_wt rows=8, row=24, addr=0x19380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xc00
load_wt rows=8, row=0, addr=0x19400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xc80
load_wt rows=8, row=8, addr=0x19480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xd00
load_wt rows=8, row=16, addr=0x19500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xd80
load_wt rows=8, row=24, addr=0x19580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xe00
load_wt rows=8, row=0, addr=0x19600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xe80
load_wt rows=8, row=8, addr=0x19680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xf00
load_wt rows=8, row=16, addr=0x19700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xf80
load_wt rows=8, row=24, addr=0x19780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31100
# segment 2
clear
load_bin rows=8, row=0, addr=0x1000
load_wt rows=8, row=0, addr=0x19800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1080
load_wt rows=8, row=8, addr=0x19880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1100
load_wt rows=8, row=16, addr=0x19900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1180
load_wt rows=8, row=24, addr=0x19980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x1200
load_wt rows=8, row=0, addr=0x19a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1280
load_wt rows=8, row=8, addr=0x19a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1300
load_wt rows=8, row=16, addr=0x19b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1380
load_wt rows=8, row=24, addr=0x19b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x1400
load_wt rows=8, row=0, addr=0x19c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1480
load_wt rows=8, row=8, addr=0x19c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1500
load_wt rows=8, row=16, addr=0x19d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1580
load_wt rows=8, row=24, addr=0x19d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x1600
load_wt rows=8, row=0, addr=0x19e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1680
load_wt rows=8, row=8, addr=0x19e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1700
load_wt rows=8, row=16, addr=0x19f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1780
load_wt rows=8, row=24, addr=0x19f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31200
# segment 3
clear
load_bin rows=8, row=0, addr=0x1800
load_wt rows=8, row=0, addr=0x1a000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1880
load_wt rows=8, row=8, addr=0x1a080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1900
load_wt rows=8, row=16, addr=0x1a100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1980
load_wt rows=8, row=24, addr=0x1a180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x1a00
load_wt rows=8, row=0, addr=0x1a200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1a80
load_wt rows=8, row=8, addr=0x1a280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1b00
load_wt rows=8, row=16, addr=0x1a300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1b80
load_wt rows=8, row=24, addr=0x1a380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x1c00
load_wt rows=8, row=0, addr=0x1a400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1c80
load_wt rows=8, row=8, addr=0x1a480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1d00
load_wt rows=8, row=16, addr=0x1a500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1d80
load_wt rows=8, row=24, addr=0x1a580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x1e00
load_wt rows=8, row=0, addr=0x1a600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x1e80
load_wt rows=8, row=8, addr=0x1a680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x1f00
load_wt rows=8, row=16, addr=0x1a700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x1f80
load_wt rows=8, row=24, addr=0x1a780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31300
# segment 4
clear
load_bin rows=8, row=0, addr=0x2000
load_wt rows=8, row=0, addr=0x1a800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2080
load_wt rows=8, row=8, addr=0x1a880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2100
load_wt rows=8, row=16, addr=0x1a900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2180
load_wt rows=8, row=24, addr=0x1a980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x2200
load_wt rows=8, row=0, addr=0x1aa00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2280
load_wt rows=8, row=8, addr=0x1aa80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2300
load_wt rows=8, row=16, addr=0x1ab00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2380
load_wt rows=8, row=24, addr=0x1ab80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x2400
load_wt rows=8, row=0, addr=0x1ac00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2480
load_wt rows=8, row=8, addr=0x1ac80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2500
load_wt rows=8, row=16, addr=0x1ad00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2580
load_wt rows=8, row=24, addr=0x1ad80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x2600
load_wt rows=8, row=0, addr=0x1ae00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2680
load_wt rows=8, row=8, addr=0x1ae80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2700
load_wt rows=8, row=16, addr=0x1af00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2780
load_wt rows=8, row=24, addr=0x1af80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31400
# segment 5
clear
load_bin rows=8, row=0, addr=0x2800
load_wt rows=8, row=0, addr=0x1b000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2880
load_wt rows=8, row=8, addr=0x1b080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2900
load_wt rows=8, row=16, addr=0x1b100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2980
load_wt rows=8, row=24, addr=0x1b180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x2a00
load_wt rows=8, row=0, addr=0x1b200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2a80
load_wt rows=8, row=8, addr=0x1b280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2b00
load_wt rows=8, row=16, addr=0x1b300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2b80
load_wt rows=8, row=24, addr=0x1b380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x2c00
load_wt rows=8, row=0, addr=0x1b400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2c80
load_wt rows=8, row=8, addr=0x1b480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2d00
load_wt rows=8, row=16, addr=0x1b500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2d80
load_wt rows=8, row=24, addr=0x1b580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x2e00
load_wt rows=8, row=0, addr=0x1b600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x2e80
load_wt rows=8, row=8, addr=0x1b680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x2f00
load_wt rows=8, row=16, addr=0x1b700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x2f80
load_wt rows=8, row=24, addr=0x1b780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31500
# segment 6
clear
load_bin rows=8, row=0, addr=0x3000
load_wt rows=8, row=0, addr=0x1b800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3080
load_wt rows=8, row=8, addr=0x1b880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3100
load_wt rows=8, row=16, addr=0x1b900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3180
load_wt rows=8, row=24, addr=0x1b980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x3200
load_wt rows=8, row=0, addr=0x1ba00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3280
load_wt rows=8, row=8, addr=0x1ba80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3300
load_wt rows=8, row=16, addr=0x1bb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3380
load_wt rows=8, row=24, addr=0x1bb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x3400
load_wt rows=8, row=0, addr=0x1bc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3480
load_wt rows=8, row=8, addr=0x1bc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3500
load_wt rows=8, row=16, addr=0x1bd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3580
load_wt rows=8, row=24, addr=0x1bd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x3600
load_wt rows=8, row=0, addr=0x1be00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3680
load_wt rows=8, row=8, addr=0x1be80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3700
load_wt rows=8, row=16, addr=0x1bf00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3780
load_wt rows=8, row=24, addr=0x1bf80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31600
# segment 7
clear
load_bin rows=8, row=0, addr=0x3800
load_wt rows=8, row=0, addr=0x1c000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3880
load_wt rows=8, row=8, addr=0x1c080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3900
load_wt rows=8, row=16, addr=0x1c100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3980
load_wt rows=8, row=24, addr=0x1c180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x3a00
load_wt rows=8, row=0, addr=0x1c200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3a80
load_wt rows=8, row=8, addr=0x1c280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3b00
load_wt rows=8, row=16, addr=0x1c300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3b80
load_wt rows=8, row=24, addr=0x1c380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x3c00
load_wt rows=8, row=0, addr=0x1c400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3c80
load_wt rows=8, row=8, addr=0x1c480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3d00
load_wt rows=8, row=16, addr=0x1c500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3d80
load_wt rows=8, row=24, addr=0x1c580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x3e00
load_wt rows=8, row=0, addr=0x1c600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x3e80
load_wt rows=8, row=8, addr=0x1c680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x3f00
load_wt rows=8, row=16, addr=0x1c700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x3f80
load_wt rows=8, row=24, addr=0x1c780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31700
# segment 8
clear
load_bin rows=8, row=0, addr=0x4000
load_wt rows=8, row=0, addr=0x1c800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4080
load_wt rows=8, row=8, addr=0x1c880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4100
load_wt rows=8, row=16, addr=0x1c900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4180
load_wt rows=8, row=24, addr=0x1c980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x4200
load_wt rows=8, row=0, addr=0x1ca00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4280
load_wt rows=8, row=8, addr=0x1ca80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4300
load_wt rows=8, row=16, addr=0x1cb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4380
load_wt rows=8, row=24, addr=0x1cb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x4400
load_wt rows=8, row=0, addr=0x1cc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4480
load_wt rows=8, row=8, addr=0x1cc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4500
load_wt rows=8, row=16, addr=0x1cd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4580
load_wt rows=8, row=24, addr=0x1cd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x4600
load_wt rows=8, row=0, addr=0x1ce00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4680
load_wt rows=8, row=8, addr=0x1ce80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4700
load_wt rows=8, row=16, addr=0x1cf00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4780
load_wt rows=8, row=24, addr=0x1cf80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31800
# segment 9
clear
load_bin rows=8, row=0, addr=0x4800
load_wt rows=8, row=0, addr=0x1d000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4880
load_wt rows=8, row=8, addr=0x1d080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4900
load_wt rows=8, row=16, addr=0x1d100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4980
load_wt rows=8, row=24, addr=0x1d180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x4a00
load_wt rows=8, row=0, addr=0x1d200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4a80
load_wt rows=8, row=8, addr=0x1d280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4b00
load_wt rows=8, row=16, addr=0x1d300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4b80
load_wt rows=8, row=24, addr=0x1d380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x4c00
load_wt rows=8, row=0, addr=0x1d400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4c80
load_wt rows=8, row=8, addr=0x1d480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4d00
load_wt rows=8, row=16, addr=0x1d500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4d80
load_wt rows=8, row=24, addr=0x1d580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x4e00
load_wt rows=8, row=0, addr=0x1d600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x4e80
load_wt rows=8, row=8, addr=0x1d680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x4f00
load_wt rows=8, row=16, addr=0x1d700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x4f80
load_wt rows=8, row=24, addr=0x1d780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31900
# segment 10
clear
load_bin rows=8, row=0, addr=0x5000
load_wt rows=8, row=0, addr=0x1d800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5080
load_wt rows=8, row=8, addr=0x1d880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5100
load_wt rows=8, row=16, addr=0x1d900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5180
load_wt rows=8, row=24, addr=0x1d980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x5200
load_wt rows=8, row=0, addr=0x1da00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5280
load_wt rows=8, row=8, addr=0x1da80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5300
load_wt rows=8, row=16, addr=0x1db00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5380
load_wt rows=8, row=24, addr=0x1db80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x5400
load_wt rows=8, row=0, addr=0x1dc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5480
load_wt rows=8, row=8, addr=0x1dc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5500
load_wt rows=8, row=16, addr=0x1dd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5580
load_wt rows=8, row=24, addr=0x1dd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x5600
load_wt rows=8, row=0, addr=0x1de00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5680
load_wt rows=8, row=8, addr=0x1de80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5700
load_wt rows=8, row=16, addr=0x1df00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5780
load_wt rows=8, row=24, addr=0x1df80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31a00
# segment 11
clear
load_bin rows=8, row=0, addr=0x5800
load_wt rows=8, row=0, addr=0x1e000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5880
load_wt rows=8, row=8, addr=0x1e080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5900
load_wt rows=8, row=16, addr=0x1e100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5980
load_wt rows=8, row=24, addr=0x1e180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x5a00
load_wt rows=8, row=0, addr=0x1e200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5a80
load_wt rows=8, row=8, addr=0x1e280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5b00
load_wt rows=8, row=16, addr=0x1e300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5b80
load_wt rows=8, row=24, addr=0x1e380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x5c00
load_wt rows=8, row=0, addr=0x1e400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5c80
load_wt rows=8, row=8, addr=0x1e480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5d00
load_wt rows=8, row=16, addr=0x1e500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5d80
load_wt rows=8, row=24, addr=0x1e580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x5e00
load_wt rows=8, row=0, addr=0x1e600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x5e80
load_wt rows=8, row=8, addr=0x1e680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x5f00
load_wt rows=8, row=16, addr=0x1e700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x5f80
load_wt rows=8, row=24, addr=0x1e780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31b00
# segment 12
clear
load_bin rows=8, row=0, addr=0x6000
load_wt rows=8, row=0, addr=0x1e800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6080
load_wt rows=8, row=8, addr=0x1e880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6100
load_wt rows=8, row=16, addr=0x1e900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6180
load_wt rows=8, row=24, addr=0x1e980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x6200
load_wt rows=8, row=0, addr=0x1ea00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6280
load_wt rows=8, row=8, addr=0x1ea80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6300
load_wt rows=8, row=16, addr=0x1eb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6380
load_wt rows=8, row=24, addr=0x1eb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x6400
load_wt rows=8, row=0, addr=0x1ec00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6480
load_wt rows=8, row=8, addr=0x1ec80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6500
load_wt rows=8, row=16, addr=0x1ed00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6580
load_wt rows=8, row=24, addr=0x1ed80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x6600
load_wt rows=8, row=0, addr=0x1ee00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6680
load_wt rows=8, row=8, addr=0x1ee80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6700
load_wt rows=8, row=16, addr=0x1ef00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6780
load_wt rows=8, row=24, addr=0x1ef80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31c00
# segment 13
clear
load_bin rows=8, row=0, addr=0x6800
load_wt rows=8, row=0, addr=0x1f000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6880
load_wt rows=8, row=8, addr=0x1f080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6900
load_wt rows=8, row=16, addr=0x1f100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6980
load_wt rows=8, row=24, addr=0x1f180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x6a00
load_wt rows=8, row=0, addr=0x1f200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6a80
load_wt rows=8, row=8, addr=0x1f280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6b00
load_wt rows=8, row=16, addr=0x1f300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6b80
load_wt rows=8, row=24, addr=0x1f380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x6c00
load_wt rows=8, row=0, addr=0x1f400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6c80
load_wt rows=8, row=8, addr=0x1f480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6d00
load_wt rows=8, row=16, addr=0x1f500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6d80
load_wt rows=8, row=24, addr=0x1f580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x6e00
load_wt rows=8, row=0, addr=0x1f600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x6e80
load_wt rows=8, row=8, addr=0x1f680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x6f00
load_wt rows=8, row=16, addr=0x1f700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x6f80
load_wt rows=8, row=24, addr=0x1f780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31d00
# segment 14
clear
load_bin rows=8, row=0, addr=0x7000
load_wt rows=8, row=0, addr=0x1f800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7080
load_wt rows=8, row=8, addr=0x1f880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7100
load_wt rows=8, row=16, addr=0x1f900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7180
load_wt rows=8, row=24, addr=0x1f980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x7200
load_wt rows=8, row=0, addr=0x1fa00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7280
load_wt rows=8, row=8, addr=0x1fa80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7300
load_wt rows=8, row=16, addr=0x1fb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7380
load_wt rows=8, row=24, addr=0x1fb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x7400
load_wt rows=8, row=0, addr=0x1fc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7480
load_wt rows=8, row=8, addr=0x1fc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7500
load_wt rows=8, row=16, addr=0x1fd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7580
load_wt rows=8, row=24, addr=0x1fd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x7600
load_wt rows=8, row=0, addr=0x1fe00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7680
load_wt rows=8, row=8, addr=0x1fe80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7700
load_wt rows=8, row=16, addr=0x1ff00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7780
load_wt rows=8, row=24, addr=0x1ff80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31e00
# segment 15
clear
load_bin rows=8, row=0, addr=0x7800
load_wt rows=8, row=0, addr=0x20000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7880
load_wt rows=8, row=8, addr=0x20080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7900
load_wt rows=8, row=16, addr=0x20100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7980
load_wt rows=8, row=24, addr=0x20180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x7a00
load_wt rows=8, row=0, addr=0x20200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7a80
load_wt rows=8, row=8, addr=0x20280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7b00
load_wt rows=8, row=16, addr=0x20300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7b80
load_wt rows=8, row=24, addr=0x20380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x7c00
load_wt rows=8, row=0, addr=0x20400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7c80
load_wt rows=8, row=8, addr=0x20480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7d00
load_wt rows=8, row=16, addr=0x20500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7d80
load_wt rows=8, row=24, addr=0x20580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x7e00
load_wt rows=8, row=0, addr=0x20600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x7e80
load_wt rows=8, row=8, addr=0x20680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x7f00
load_wt rows=8, row=16, addr=0x20700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x7f80
load_wt rows=8, row=24, addr=0x20780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x31f00
# segment 16
clear
load_bin rows=8, row=0, addr=0x8000
load_wt rows=8, row=0, addr=0x20800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8080
load_wt rows=8, row=8, addr=0x20880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8100
load_wt rows=8, row=16, addr=0x20900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8180
load_wt rows=8, row=24, addr=0x20980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x8200
load_wt rows=8, row=0, addr=0x20a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8280
load_wt rows=8, row=8, addr=0x20a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8300
load_wt rows=8, row=16, addr=0x20b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8380
load_wt rows=8, row=24, addr=0x20b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x8400
load_wt rows=8, row=0, addr=0x20c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8480
load_wt rows=8, row=8, addr=0x20c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8500
load_wt rows=8, row=16, addr=0x20d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8580
load_wt rows=8, row=24, addr=0x20d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x8600
load_wt rows=8, row=0, addr=0x20e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8680
load_wt rows=8, row=8, addr=0x20e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8700
load_wt rows=8, row=16, addr=0x20f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8780
load_wt rows=8, row=24, addr=0x20f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32000
# segment 17
clear
load_bin rows=8, row=0, addr=0x8800
load_wt rows=8, row=0, addr=0x21000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8880
load_wt rows=8, row=8, addr=0x21080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8900
load_wt rows=8, row=16, addr=0x21100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8980
load_wt rows=8, row=24, addr=0x21180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x8a00
load_wt rows=8, row=0, addr=0x21200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8a80
load_wt rows=8, row=8, addr=0x21280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8b00
load_wt rows=8, row=16, addr=0x21300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8b80
load_wt rows=8, row=24, addr=0x21380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x8c00
load_wt rows=8, row=0, addr=0x21400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8c80
load_wt rows=8, row=8, addr=0x21480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8d00
load_wt rows=8, row=16, addr=0x21500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8d80
load_wt rows=8, row=24, addr=0x21580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x8e00
load_wt rows=8, row=0, addr=0x21600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x8e80
load_wt rows=8, row=8, addr=0x21680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x8f00
load_wt rows=8, row=16, addr=0x21700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x8f80
load_wt rows=8, row=24, addr=0x21780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32100
# segment 18
clear
load_bin rows=8, row=0, addr=0x9000
load_wt rows=8, row=0, addr=0x21800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9080
load_wt rows=8, row=8, addr=0x21880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9100
load_wt rows=8, row=16, addr=0x21900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9180
load_wt rows=8, row=24, addr=0x21980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x9200
load_wt rows=8, row=0, addr=0x21a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9280
load_wt rows=8, row=8, addr=0x21a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9300
load_wt rows=8, row=16, addr=0x21b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9380
load_wt rows=8, row=24, addr=0x21b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x9400
load_wt rows=8, row=0, addr=0x21c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9480
load_wt rows=8, row=8, addr=0x21c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9500
load_wt rows=8, row=16, addr=0x21d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9580
load_wt rows=8, row=24, addr=0x21d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x9600
load_wt rows=8, row=0, addr=0x21e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9680
load_wt rows=8, row=8, addr=0x21e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9700
load_wt rows=8, row=16, addr=0x21f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9780
load_wt rows=8, row=24, addr=0x21f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32200
# segment 19
clear
load_bin rows=8, row=0, addr=0x9800
load_wt rows=8, row=0, addr=0x22000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9880
load_wt rows=8, row=8, addr=0x22080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9900
load_wt rows=8, row=16, addr=0x22100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9980
load_wt rows=8, row=24, addr=0x22180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x9a00
load_wt rows=8, row=0, addr=0x22200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9a80
load_wt rows=8, row=8, addr=0x22280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9b00
load_wt rows=8, row=16, addr=0x22300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9b80
load_wt rows=8, row=24, addr=0x22380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x9c00
load_wt rows=8, row=0, addr=0x22400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9c80
load_wt rows=8, row=8, addr=0x22480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9d00
load_wt rows=8, row=16, addr=0x22500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9d80
load_wt rows=8, row=24, addr=0x22580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x9e00
load_wt rows=8, row=0, addr=0x22600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x9e80
load_wt rows=8, row=8, addr=0x22680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x9f00
load_wt rows=8, row=16, addr=0x22700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x9f80
load_wt rows=8, row=24, addr=0x22780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32300
# segment 20
clear
load_bin rows=8, row=0, addr=0xa000
load_wt rows=8, row=0, addr=0x22800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xa080
load_wt rows=8, row=8, addr=0x22880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xa100
load_wt rows=8, row=16, addr=0x22900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xa180
load_wt rows=8, row=24, addr=0x22980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xa200
load_wt rows=8, row=0, addr=0x22a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xa280
load_wt rows=8, row=8, addr=0x22a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xa300
load_wt rows=8, row=16, addr=0x22b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xa380
load_wt rows=8, row=24, addr=0x22b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xa400
load_wt rows=8, row=0, addr=0x22c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xa480
load_wt rows=8, row=8, addr=0x22c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xa500
load_wt rows=8, row=16, addr=0x22d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xa580
load_wt rows=8, row=24, addr=0x22d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xa600
load_wt rows=8, row=0, addr=0x22e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xa680
load_wt rows=8, row=8, addr=0x22e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xa700
load_wt rows=8, row=16, addr=0x22f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xa780
load_wt rows=8, row=24, addr=0x22f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32400
# segment 21
clear
load_bin rows=8, row=0, addr=0xa800
load_wt rows=8, row=0, addr=0x23000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xa880
load_wt rows=8, row=8, addr=0x23080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xa900
load_wt rows=8, row=16, addr=0x23100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xa980
load_wt rows=8, row=24, addr=0x23180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xaa00
load_wt rows=8, row=0, addr=0x23200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xaa80
load_wt rows=8, row=8, addr=0x23280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xab00
load_wt rows=8, row=16, addr=0x23300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xab80
load_wt rows=8, row=24, addr=0x23380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xac00
load_wt rows=8, row=0, addr=0x23400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xac80
load_wt rows=8, row=8, addr=0x23480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xad00
load_wt rows=8, row=16, addr=0x23500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xad80
load_wt rows=8, row=24, addr=0x23580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xae00
load_wt rows=8, row=0, addr=0x23600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xae80
load_wt rows=8, row=8, addr=0x23680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xaf00
load_wt rows=8, row=16, addr=0x23700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xaf80
load_wt rows=8, row=24, addr=0x23780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32500
# segment 22
clear
load_bin rows=8, row=0, addr=0xb000
load_wt rows=8, row=0, addr=0x23800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xb080
load_wt rows=8, row=8, addr=0x23880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xb100
load_wt rows=8, row=16, addr=0x23900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xb180
load_wt rows=8, row=24, addr=0x23980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xb200
load_wt rows=8, row=0, addr=0x23a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xb280
load_wt rows=8, row=8, addr=0x23a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xb300
load_wt rows=8, row=16, addr=0x23b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xb380
load_wt rows=8, row=24, addr=0x23b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xb400
load_wt rows=8, row=0, addr=0x23c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xb480
load_wt rows=8, row=8, addr=0x23c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xb500
load_wt rows=8, row=16, addr=0x23d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xb580
load_wt rows=8, row=24, addr=0x23d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xb600
load_wt rows=8, row=0, addr=0x23e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xb680
load_wt rows=8, row=8, addr=0x23e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xb700
load_wt rows=8, row=16, addr=0x23f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xb780
load_wt rows=8, row=24, addr=0x23f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32600
# segment 23
clear
load_bin rows=8, row=0, addr=0xb800
load_wt rows=8, row=0, addr=0x24000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xb880
load_wt rows=8, row=8, addr=0x24080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xb900
load_wt rows=8, row=16, addr=0x24100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xb980
load_wt rows=8, row=24, addr=0x24180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xba00
load_wt rows=8, row=0, addr=0x24200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xba80
load_wt rows=8, row=8, addr=0x24280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xbb00
load_wt rows=8, row=16, addr=0x24300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xbb80
load_wt rows=8, row=24, addr=0x24380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xbc00
load_wt rows=8, row=0, addr=0x24400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xbc80
load_wt rows=8, row=8, addr=0x24480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xbd00
load_wt rows=8, row=16, addr=0x24500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xbd80
load_wt rows=8, row=24, addr=0x24580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xbe00
load_wt rows=8, row=0, addr=0x24600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xbe80
load_wt rows=8, row=8, addr=0x24680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xbf00
load_wt rows=8, row=16, addr=0x24700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xbf80
load_wt rows=8, row=24, addr=0x24780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32700
# segment 24
clear
load_bin rows=8, row=0, addr=0xc000
load_wt rows=8, row=0, addr=0x24800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xc080
load_wt rows=8, row=8, addr=0x24880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xc100
load_wt rows=8, row=16, addr=0x24900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xc180
load_wt rows=8, row=24, addr=0x24980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xc200
load_wt rows=8, row=0, addr=0x24a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xc280
load_wt rows=8, row=8, addr=0x24a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xc300
load_wt rows=8, row=16, addr=0x24b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xc380
load_wt rows=8, row=24, addr=0x24b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xc400
load_wt rows=8, row=0, addr=0x24c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xc480
load_wt rows=8, row=8, addr=0x24c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xc500
load_wt rows=8, row=16, addr=0x24d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xc580
load_wt rows=8, row=24, addr=0x24d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xc600
load_wt rows=8, row=0, addr=0x24e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xc680
load_wt rows=8, row=8, addr=0x24e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xc700
load_wt rows=8, row=16, addr=0x24f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xc780
load_wt rows=8, row=24, addr=0x24f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32800
# segment 25
clear
load_bin rows=8, row=0, addr=0xc800
load_wt rows=8, row=0, addr=0x25000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xc880
load_wt rows=8, row=8, addr=0x25080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xc900
load_wt rows=8, row=16, addr=0x25100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xc980
load_wt rows=8, row=24, addr=0x25180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xca00
load_wt rows=8, row=0, addr=0x25200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xca80
load_wt rows=8, row=8, addr=0x25280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xcb00
load_wt rows=8, row=16, addr=0x25300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xcb80
load_wt rows=8, row=24, addr=0x25380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xcc00
load_wt rows=8, row=0, addr=0x25400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xcc80
load_wt rows=8, row=8, addr=0x25480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xcd00
load_wt rows=8, row=16, addr=0x25500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xcd80
load_wt rows=8, row=24, addr=0x25580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xce00
load_wt rows=8, row=0, addr=0x25600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xce80
load_wt rows=8, row=8, addr=0x25680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xcf00
load_wt rows=8, row=16, addr=0x25700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xcf80
load_wt rows=8, row=24, addr=0x25780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32900
# segment 26
clear
load_bin rows=8, row=0, addr=0xd000
load_wt rows=8, row=0, addr=0x25800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xd080
load_wt rows=8, row=8, addr=0x25880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xd100
load_wt rows=8, row=16, addr=0x25900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xd180
load_wt rows=8, row=24, addr=0x25980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xd200
load_wt rows=8, row=0, addr=0x25a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xd280
load_wt rows=8, row=8, addr=0x25a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xd300
load_wt rows=8, row=16, addr=0x25b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xd380
load_wt rows=8, row=24, addr=0x25b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xd400
load_wt rows=8, row=0, addr=0x25c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xd480
load_wt rows=8, row=8, addr=0x25c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xd500
load_wt rows=8, row=16, addr=0x25d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xd580
load_wt rows=8, row=24, addr=0x25d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xd600
load_wt rows=8, row=0, addr=0x25e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xd680
load_wt rows=8, row=8, addr=0x25e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xd700
load_wt rows=8, row=16, addr=0x25f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xd780
load_wt rows=8, row=24, addr=0x25f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32a00
# segment 27
clear
load_bin rows=8, row=0, addr=0xd800
load_wt rows=8, row=0, addr=0x26000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xd880
load_wt rows=8, row=8, addr=0x26080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xd900
load_wt rows=8, row=16, addr=0x26100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xd980
load_wt rows=8, row=24, addr=0x26180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xda00
load_wt rows=8, row=0, addr=0x26200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xda80
load_wt rows=8, row=8, addr=0x26280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xdb00
load_wt rows=8, row=16, addr=0x26300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xdb80
load_wt rows=8, row=24, addr=0x26380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xdc00
load_wt rows=8, row=0, addr=0x26400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xdc80
load_wt rows=8, row=8, addr=0x26480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xdd00
load_wt rows=8, row=16, addr=0x26500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xdd80
load_wt rows=8, row=24, addr=0x26580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xde00
load_wt rows=8, row=0, addr=0x26600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xde80
load_wt rows=8, row=8, addr=0x26680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xdf00
load_wt rows=8, row=16, addr=0x26700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xdf80
load_wt rows=8, row=24, addr=0x26780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32b00
# segment 28
clear
load_bin rows=8, row=0, addr=0xe000
load_wt rows=8, row=0, addr=0x26800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xe080
load_wt rows=8, row=8, addr=0x26880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xe100
load_wt rows=8, row=16, addr=0x26900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xe180
load_wt rows=8, row=24, addr=0x26980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xe200
load_wt rows=8, row=0, addr=0x26a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xe280
load_wt rows=8, row=8, addr=0x26a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xe300
load_wt rows=8, row=16, addr=0x26b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xe380
load_wt rows=8, row=24, addr=0x26b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xe400
load_wt rows=8, row=0, addr=0x26c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xe480
load_wt rows=8, row=8, addr=0x26c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xe500
load_wt rows=8, row=16, addr=0x26d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xe580
load_wt rows=8, row=24, addr=0x26d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xe600
load_wt rows=8, row=0, addr=0x26e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xe680
load_wt rows=8, row=8, addr=0x26e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xe700
load_wt rows=8, row=16, addr=0x26f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xe780
load_wt rows=8, row=24, addr=0x26f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32c00
# segment 29
clear
load_bin rows=8, row=0, addr=0xe800
load_wt rows=8, row=0, addr=0x27000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xe880
load_wt rows=8, row=8, addr=0x27080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xe900
load_wt rows=8, row=16, addr=0x27100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xe980
load_wt rows=8, row=24, addr=0x27180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xea00
load_wt rows=8, row=0, addr=0x27200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xea80
load_wt rows=8, row=8, addr=0x27280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xeb00
load_wt rows=8, row=16, addr=0x27300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xeb80
load_wt rows=8, row=24, addr=0x27380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xec00
load_wt rows=8, row=0, addr=0x27400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xec80
load_wt rows=8, row=8, addr=0x27480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xed00
load_wt rows=8, row=16, addr=0x27500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xed80
load_wt rows=8, row=24, addr=0x27580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xee00
load_wt rows=8, row=0, addr=0x27600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xee80
load_wt rows=8, row=8, addr=0x27680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xef00
load_wt rows=8, row=16, addr=0x27700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xef80
load_wt rows=8, row=24, addr=0x27780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32d00
# segment 30
clear
load_bin rows=8, row=0, addr=0xf000
load_wt rows=8, row=0, addr=0x27800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xf080
load_wt rows=8, row=8, addr=0x27880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xf100
load_wt rows=8, row=16, addr=0x27900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xf180
load_wt rows=8, row=24, addr=0x27980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xf200
load_wt rows=8, row=0, addr=0x27a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xf280
load_wt rows=8, row=8, addr=0x27a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xf300
load_wt rows=8, row=16, addr=0x27b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xf380
load_wt rows=8, row=24, addr=0x27b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xf400
load_wt rows=8, row=0, addr=0x27c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xf480
load_wt rows=8, row=8, addr=0x27c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xf500
load_wt rows=8, row=16, addr=0x27d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xf580
load_wt rows=8, row=24, addr=0x27d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xf600
load_wt rows=8, row=0, addr=0x27e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xf680
load_wt rows=8, row=8, addr=0x27e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xf700
load_wt rows=8, row=16, addr=0x27f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xf780
load_wt rows=8, row=24, addr=0x27f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32e00
# segment 31
clear
load_bin rows=8, row=0, addr=0xf800
load_wt rows=8, row=0, addr=0x28000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xf880
load_wt rows=8, row=8, addr=0x28080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xf900
load_wt rows=8, row=16, addr=0x28100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xf980
load_wt rows=8, row=24, addr=0x28180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xfa00
load_wt rows=8, row=0, addr=0x28200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xfa80
load_wt rows=8, row=8, addr=0x28280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xfb00
load_wt rows=8, row=16, addr=0x28300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xfb80
load_wt rows=8, row=24, addr=0x28380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xfc00
load_wt rows=8, row=0, addr=0x28400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xfc80
load_wt rows=8, row=8, addr=0x28480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xfd00
load_wt rows=8, row=16, addr=0x28500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xfd80
load_wt rows=8, row=24, addr=0x28580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0xfe00
load_wt rows=8, row=0, addr=0x28600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0xfe80
load_wt rows=8, row=8, addr=0x28680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0xff00
load_wt rows=8, row=16, addr=0x28700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0xff80
load_wt rows=8, row=24, addr=0x28780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x32f00
# segment 32
clear
load_bin rows=8, row=0, addr=0x10000
load_wt rows=8, row=0, addr=0x28800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10080
load_wt rows=8, row=8, addr=0x28880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10100
load_wt rows=8, row=16, addr=0x28900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10180
load_wt rows=8, row=24, addr=0x28980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x10200
load_wt rows=8, row=0, addr=0x28a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10280
load_wt rows=8, row=8, addr=0x28a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10300
load_wt rows=8, row=16, addr=0x28b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10380
load_wt rows=8, row=24, addr=0x28b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x10400
load_wt rows=8, row=0, addr=0x28c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10480
load_wt rows=8, row=8, addr=0x28c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10500
load_wt rows=8, row=16, addr=0x28d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10580
load_wt rows=8, row=24, addr=0x28d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x10600
load_wt rows=8, row=0, addr=0x28e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10680
load_wt rows=8, row=8, addr=0x28e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10700
load_wt rows=8, row=16, addr=0x28f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10780
load_wt rows=8, row=24, addr=0x28f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33000
# segment 33
clear
load_bin rows=8, row=0, addr=0x10800
load_wt rows=8, row=0, addr=0x29000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10880
load_wt rows=8, row=8, addr=0x29080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10900
load_wt rows=8, row=16, addr=0x29100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10980
load_wt rows=8, row=24, addr=0x29180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x10a00
load_wt rows=8, row=0, addr=0x29200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10a80
load_wt rows=8, row=8, addr=0x29280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10b00
load_wt rows=8, row=16, addr=0x29300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10b80
load_wt rows=8, row=24, addr=0x29380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x10c00
load_wt rows=8, row=0, addr=0x29400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10c80
load_wt rows=8, row=8, addr=0x29480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10d00
load_wt rows=8, row=16, addr=0x29500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10d80
load_wt rows=8, row=24, addr=0x29580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x10e00
load_wt rows=8, row=0, addr=0x29600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x10e80
load_wt rows=8, row=8, addr=0x29680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x10f00
load_wt rows=8, row=16, addr=0x29700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x10f80
load_wt rows=8, row=24, addr=0x29780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33100
# segment 34
clear
load_bin rows=8, row=0, addr=0x11000
load_wt rows=8, row=0, addr=0x29800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11080
load_wt rows=8, row=8, addr=0x29880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11100
load_wt rows=8, row=16, addr=0x29900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11180
load_wt rows=8, row=24, addr=0x29980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x11200
load_wt rows=8, row=0, addr=0x29a00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11280
load_wt rows=8, row=8, addr=0x29a80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11300
load_wt rows=8, row=16, addr=0x29b00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11380
load_wt rows=8, row=24, addr=0x29b80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x11400
load_wt rows=8, row=0, addr=0x29c00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11480
load_wt rows=8, row=8, addr=0x29c80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11500
load_wt rows=8, row=16, addr=0x29d00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11580
load_wt rows=8, row=24, addr=0x29d80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x11600
load_wt rows=8, row=0, addr=0x29e00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11680
load_wt rows=8, row=8, addr=0x29e80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11700
load_wt rows=8, row=16, addr=0x29f00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11780
load_wt rows=8, row=24, addr=0x29f80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33200
# segment 35
clear
load_bin rows=8, row=0, addr=0x11800
load_wt rows=8, row=0, addr=0x2a000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11880
load_wt rows=8, row=8, addr=0x2a080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11900
load_wt rows=8, row=16, addr=0x2a100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11980
load_wt rows=8, row=24, addr=0x2a180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x11a00
load_wt rows=8, row=0, addr=0x2a200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11a80
load_wt rows=8, row=8, addr=0x2a280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11b00
load_wt rows=8, row=16, addr=0x2a300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11b80
load_wt rows=8, row=24, addr=0x2a380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x11c00
load_wt rows=8, row=0, addr=0x2a400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11c80
load_wt rows=8, row=8, addr=0x2a480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11d00
load_wt rows=8, row=16, addr=0x2a500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11d80
load_wt rows=8, row=24, addr=0x2a580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x11e00
load_wt rows=8, row=0, addr=0x2a600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x11e80
load_wt rows=8, row=8, addr=0x2a680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x11f00
load_wt rows=8, row=16, addr=0x2a700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x11f80
load_wt rows=8, row=24, addr=0x2a780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33300
# segment 36
clear
load_bin rows=8, row=0, addr=0x12000
load_wt rows=8, row=0, addr=0x2a800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12080
load_wt rows=8, row=8, addr=0x2a880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12100
load_wt rows=8, row=16, addr=0x2a900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12180
load_wt rows=8, row=24, addr=0x2a980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x12200
load_wt rows=8, row=0, addr=0x2aa00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12280
load_wt rows=8, row=8, addr=0x2aa80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12300
load_wt rows=8, row=16, addr=0x2ab00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12380
load_wt rows=8, row=24, addr=0x2ab80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x12400
load_wt rows=8, row=0, addr=0x2ac00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12480
load_wt rows=8, row=8, addr=0x2ac80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12500
load_wt rows=8, row=16, addr=0x2ad00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12580
load_wt rows=8, row=24, addr=0x2ad80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x12600
load_wt rows=8, row=0, addr=0x2ae00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12680
load_wt rows=8, row=8, addr=0x2ae80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12700
load_wt rows=8, row=16, addr=0x2af00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12780
load_wt rows=8, row=24, addr=0x2af80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33400
# segment 37
clear
load_bin rows=8, row=0, addr=0x12800
load_wt rows=8, row=0, addr=0x2b000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12880
load_wt rows=8, row=8, addr=0x2b080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12900
load_wt rows=8, row=16, addr=0x2b100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12980
load_wt rows=8, row=24, addr=0x2b180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x12a00
load_wt rows=8, row=0, addr=0x2b200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12a80
load_wt rows=8, row=8, addr=0x2b280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12b00
load_wt rows=8, row=16, addr=0x2b300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12b80
load_wt rows=8, row=24, addr=0x2b380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x12c00
load_wt rows=8, row=0, addr=0x2b400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12c80
load_wt rows=8, row=8, addr=0x2b480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12d00
load_wt rows=8, row=16, addr=0x2b500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12d80
load_wt rows=8, row=24, addr=0x2b580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x12e00
load_wt rows=8, row=0, addr=0x2b600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x12e80
load_wt rows=8, row=8, addr=0x2b680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x12f00
load_wt rows=8, row=16, addr=0x2b700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x12f80
load_wt rows=8, row=24, addr=0x2b780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33500
# segment 38
clear
load_bin rows=8, row=0, addr=0x13000
load_wt rows=8, row=0, addr=0x2b800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13080
load_wt rows=8, row=8, addr=0x2b880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13100
load_wt rows=8, row=16, addr=0x2b900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13180
load_wt rows=8, row=24, addr=0x2b980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x13200
load_wt rows=8, row=0, addr=0x2ba00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13280
load_wt rows=8, row=8, addr=0x2ba80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13300
load_wt rows=8, row=16, addr=0x2bb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13380
load_wt rows=8, row=24, addr=0x2bb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x13400
load_wt rows=8, row=0, addr=0x2bc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13480
load_wt rows=8, row=8, addr=0x2bc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13500
load_wt rows=8, row=16, addr=0x2bd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13580
load_wt rows=8, row=24, addr=0x2bd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x13600
load_wt rows=8, row=0, addr=0x2be00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13680
load_wt rows=8, row=8, addr=0x2be80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13700
load_wt rows=8, row=16, addr=0x2bf00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13780
load_wt rows=8, row=24, addr=0x2bf80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33600
# segment 39
clear
load_bin rows=8, row=0, addr=0x13800
load_wt rows=8, row=0, addr=0x2c000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13880
load_wt rows=8, row=8, addr=0x2c080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13900
load_wt rows=8, row=16, addr=0x2c100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13980
load_wt rows=8, row=24, addr=0x2c180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x13a00
load_wt rows=8, row=0, addr=0x2c200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13a80
load_wt rows=8, row=8, addr=0x2c280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13b00
load_wt rows=8, row=16, addr=0x2c300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13b80
load_wt rows=8, row=24, addr=0x2c380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x13c00
load_wt rows=8, row=0, addr=0x2c400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13c80
load_wt rows=8, row=8, addr=0x2c480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13d00
load_wt rows=8, row=16, addr=0x2c500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13d80
load_wt rows=8, row=24, addr=0x2c580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x13e00
load_wt rows=8, row=0, addr=0x2c600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x13e80
load_wt rows=8, row=8, addr=0x2c680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x13f00
load_wt rows=8, row=16, addr=0x2c700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x13f80
load_wt rows=8, row=24, addr=0x2c780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33700
# segment 40
clear
load_bin rows=8, row=0, addr=0x14000
load_wt rows=8, row=0, addr=0x2c800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14080
load_wt rows=8, row=8, addr=0x2c880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14100
load_wt rows=8, row=16, addr=0x2c900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14180
load_wt rows=8, row=24, addr=0x2c980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x14200
load_wt rows=8, row=0, addr=0x2ca00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14280
load_wt rows=8, row=8, addr=0x2ca80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14300
load_wt rows=8, row=16, addr=0x2cb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14380
load_wt rows=8, row=24, addr=0x2cb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x14400
load_wt rows=8, row=0, addr=0x2cc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14480
load_wt rows=8, row=8, addr=0x2cc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14500
load_wt rows=8, row=16, addr=0x2cd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14580
load_wt rows=8, row=24, addr=0x2cd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x14600
load_wt rows=8, row=0, addr=0x2ce00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14680
load_wt rows=8, row=8, addr=0x2ce80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14700
load_wt rows=8, row=16, addr=0x2cf00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14780
load_wt rows=8, row=24, addr=0x2cf80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33800
# segment 41
clear
load_bin rows=8, row=0, addr=0x14800
load_wt rows=8, row=0, addr=0x2d000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14880
load_wt rows=8, row=8, addr=0x2d080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14900
load_wt rows=8, row=16, addr=0x2d100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14980
load_wt rows=8, row=24, addr=0x2d180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x14a00
load_wt rows=8, row=0, addr=0x2d200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14a80
load_wt rows=8, row=8, addr=0x2d280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14b00
load_wt rows=8, row=16, addr=0x2d300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14b80
load_wt rows=8, row=24, addr=0x2d380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x14c00
load_wt rows=8, row=0, addr=0x2d400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14c80
load_wt rows=8, row=8, addr=0x2d480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14d00
load_wt rows=8, row=16, addr=0x2d500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14d80
load_wt rows=8, row=24, addr=0x2d580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x14e00
load_wt rows=8, row=0, addr=0x2d600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x14e80
load_wt rows=8, row=8, addr=0x2d680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x14f00
load_wt rows=8, row=16, addr=0x2d700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x14f80
load_wt rows=8, row=24, addr=0x2d780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33900
# segment 42
clear
load_bin rows=8, row=0, addr=0x15000
load_wt rows=8, row=0, addr=0x2d800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15080
load_wt rows=8, row=8, addr=0x2d880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15100
load_wt rows=8, row=16, addr=0x2d900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15180
load_wt rows=8, row=24, addr=0x2d980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x15200
load_wt rows=8, row=0, addr=0x2da00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15280
load_wt rows=8, row=8, addr=0x2da80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15300
load_wt rows=8, row=16, addr=0x2db00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15380
load_wt rows=8, row=24, addr=0x2db80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x15400
load_wt rows=8, row=0, addr=0x2dc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15480
load_wt rows=8, row=8, addr=0x2dc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15500
load_wt rows=8, row=16, addr=0x2dd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15580
load_wt rows=8, row=24, addr=0x2dd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x15600
load_wt rows=8, row=0, addr=0x2de00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15680
load_wt rows=8, row=8, addr=0x2de80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15700
load_wt rows=8, row=16, addr=0x2df00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15780
load_wt rows=8, row=24, addr=0x2df80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33a00
# segment 43
clear
load_bin rows=8, row=0, addr=0x15800
load_wt rows=8, row=0, addr=0x2e000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15880
load_wt rows=8, row=8, addr=0x2e080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15900
load_wt rows=8, row=16, addr=0x2e100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15980
load_wt rows=8, row=24, addr=0x2e180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x15a00
load_wt rows=8, row=0, addr=0x2e200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15a80
load_wt rows=8, row=8, addr=0x2e280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15b00
load_wt rows=8, row=16, addr=0x2e300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15b80
load_wt rows=8, row=24, addr=0x2e380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x15c00
load_wt rows=8, row=0, addr=0x2e400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15c80
load_wt rows=8, row=8, addr=0x2e480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15d00
load_wt rows=8, row=16, addr=0x2e500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15d80
load_wt rows=8, row=24, addr=0x2e580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x15e00
load_wt rows=8, row=0, addr=0x2e600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x15e80
load_wt rows=8, row=8, addr=0x2e680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x15f00
load_wt rows=8, row=16, addr=0x2e700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x15f80
load_wt rows=8, row=24, addr=0x2e780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33b00
# segment 44
clear
load_bin rows=8, row=0, addr=0x16000
load_wt rows=8, row=0, addr=0x2e800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16080
load_wt rows=8, row=8, addr=0x2e880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16100
load_wt rows=8, row=16, addr=0x2e900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16180
load_wt rows=8, row=24, addr=0x2e980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x16200
load_wt rows=8, row=0, addr=0x2ea00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16280
load_wt rows=8, row=8, addr=0x2ea80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16300
load_wt rows=8, row=16, addr=0x2eb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16380
load_wt rows=8, row=24, addr=0x2eb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x16400
load_wt rows=8, row=0, addr=0x2ec00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16480
load_wt rows=8, row=8, addr=0x2ec80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16500
load_wt rows=8, row=16, addr=0x2ed00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16580
load_wt rows=8, row=24, addr=0x2ed80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x16600
load_wt rows=8, row=0, addr=0x2ee00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16680
load_wt rows=8, row=8, addr=0x2ee80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16700
load_wt rows=8, row=16, addr=0x2ef00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16780
load_wt rows=8, row=24, addr=0x2ef80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33c00
# segment 45
clear
load_bin rows=8, row=0, addr=0x16800
load_wt rows=8, row=0, addr=0x2f000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16880
load_wt rows=8, row=8, addr=0x2f080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16900
load_wt rows=8, row=16, addr=0x2f100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16980
load_wt rows=8, row=24, addr=0x2f180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x16a00
load_wt rows=8, row=0, addr=0x2f200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16a80
load_wt rows=8, row=8, addr=0x2f280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16b00
load_wt rows=8, row=16, addr=0x2f300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16b80
load_wt rows=8, row=24, addr=0x2f380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x16c00
load_wt rows=8, row=0, addr=0x2f400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16c80
load_wt rows=8, row=8, addr=0x2f480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16d00
load_wt rows=8, row=16, addr=0x2f500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16d80
load_wt rows=8, row=24, addr=0x2f580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x16e00
load_wt rows=8, row=0, addr=0x2f600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x16e80
load_wt rows=8, row=8, addr=0x2f680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x16f00
load_wt rows=8, row=16, addr=0x2f700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x16f80
load_wt rows=8, row=24, addr=0x2f780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33d00
# segment 46
clear
load_bin rows=8, row=0, addr=0x17000
load_wt rows=8, row=0, addr=0x2f800
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17080
load_wt rows=8, row=8, addr=0x2f880
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17100
load_wt rows=8, row=16, addr=0x2f900
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17180
load_wt rows=8, row=24, addr=0x2f980
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x17200
load_wt rows=8, row=0, addr=0x2fa00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17280
load_wt rows=8, row=8, addr=0x2fa80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17300
load_wt rows=8, row=16, addr=0x2fb00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17380
load_wt rows=8, row=24, addr=0x2fb80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x17400
load_wt rows=8, row=0, addr=0x2fc00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17480
load_wt rows=8, row=8, addr=0x2fc80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17500
load_wt rows=8, row=16, addr=0x2fd00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17580
load_wt rows=8, row=24, addr=0x2fd80
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x17600
load_wt rows=8, row=0, addr=0x2fe00
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17680
load_wt rows=8, row=8, addr=0x2fe80
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17700
load_wt rows=8, row=16, addr=0x2ff00
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17780
load_wt rows=8, row=24, addr=0x2ff80
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33e00
# segment 47
clear
load_bin rows=8, row=0, addr=0x17800
load_wt rows=8, row=0, addr=0x30000
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17880
load_wt rows=8, row=8, addr=0x30080
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17900
load_wt rows=8, row=16, addr=0x30100
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17980
load_wt rows=8, row=24, addr=0x30180
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x17a00
load_wt rows=8, row=0, addr=0x30200
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17a80
load_wt rows=8, row=8, addr=0x30280
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17b00
load_wt rows=8, row=16, addr=0x30300
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17b80
load_wt rows=8, row=24, addr=0x30380
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x17c00
load_wt rows=8, row=0, addr=0x30400
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17c80
load_wt rows=8, row=8, addr=0x30480
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17d00
load_wt rows=8, row=16, addr=0x30500
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17d80
load_wt rows=8, row=24, addr=0x30580
scatter rows=8, row=24
load_bin rows=8, row=0, addr=0x17e00
load_wt rows=8, row=0, addr=0x30600
scatter rows=8, row=0
load_bin rows=8, row=8, addr=0x17e80
load_wt rows=8, row=8, addr=0x30680
scatter rows=8, row=8
load_bin rows=8, row=16, addr=0x17f00
load_wt rows=8, row=16, addr=0x30700
scatter rows=8, row=16
load_bin rows=8, row=24, addr=0x17f80
load_wt rows=8, row=24, addr=0x30780
scatter rows=8, row=24
store shift=4, scale=3, addr=0x33f00
