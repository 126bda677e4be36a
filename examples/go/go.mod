module example.com/flakydemo

go 1.19
