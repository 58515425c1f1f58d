// Package localtest holds test helpers for folder environments of the
// local provider that several packages' tests share. Its one job today is
// making a folder rehome cannot list even as root (DeepFolder), since
// permission bits stop nothing for root. Linux and other unix systems
// only (it uses *at system calls).
package localtest
