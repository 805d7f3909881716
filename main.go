// Command banktui is a terminal browser for your own bank accounts, cards and
// transactions, through the TrueLayer Data API.
package main

var version = "dev"

func main() {}
