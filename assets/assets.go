// Package assets embeds the files banktui ships inside its binary.
package assets

import "embed"

// Callback holds the pages the browser sees at the end of a login
// (callback/success.html, callback/failure.html): html/template sources,
// self-contained, with no external resources.
//
//go:embed callback/*.html
var Callback embed.FS
