// Go's time.Time.String() as Docker prints CreatedAt: "2006-01-02 15:04:05 -0700 MST", in UTC here
// (a static binary has no zoneinfo to name other zones the way Go does).
export function goTimeString(iso: string | undefined): string {
  const t = iso ? new Date(iso) : undefined;
  if (!t || Number.isNaN(t.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000 UTC`;
}
