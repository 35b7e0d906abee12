# tests/jwt.sh: an ES256 provider token made with openssl, for the tests
# and scripts/bench to talk to tests/mockh2 without apnsend (sourced, POSIX
# sh).  openssl prints a DER signature; JWS (and the mock) want its two
# integers as 64 bytes R||S.

b64url() { basenc --base64url -w0 | tr -d '='; }

# jwt KEY KID ISS IAT: the token on stdout; status 1 when signing failed.
jwt() {
	_h=$(printf '{"alg":"ES256","kid":"%s"}' "$2" | b64url)
	_c=$(printf '{"iss":"%s","iat":%s}' "$3" "$4" | b64url)
	_rs=$(printf '%s.%s' "$_h" "$_c" |
		openssl dgst -sha256 -sign "$1" -binary |
		openssl asn1parse -inform DER |
		sed -n 's/.*INTEGER *:\([0-9A-F]*\)$/\1/p' |
		while read -r _i; do printf '%064s' "$_i" | tr ' ' 0; done)
	[ ${#_rs} -eq 128 ] || return 1
	printf '%s.%s.%s' "$_h" "$_c" "$(printf '%s' "$_rs" | basenc --base16 -d | b64url)"
}
