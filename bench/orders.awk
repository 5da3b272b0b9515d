# orders.awk: the same job as `orderflow process` in plain awk, for bench/e2e.sh.
# Reads a catalog CSV (ID,ProductName,Stock,Variety,Price) and then NDJSON
# orders {"id":"o1","productId":"MWBLU","amount":3} (ids optional) of the shape
# `orderflow generate` writes, and prints orderflow's result lines for them:
# Completed, insufficient_stock, duplicate_id (no reversals, no malformed records).
#   awk -F, -f orders.awk CATALOG.csv ORDERS.ndjson
FNR == 1 { file++ }
file == 1 {
  if (FNR == 1) { for (i = 1; i <= NF; i++) col[$i] = i; next }
  id = $(col["ID"]); stock[id] = $(col["Stock"]) + 0
  split($(col["Price"]), pr, "."); frac = pr[2] ""; if (length(frac) == 1) frac = frac "0"
  price[id] = pr[1] * 100 + frac
  next
}
{
  seq++
  oid = ""; if (match($0, /"id":"[^"]*"/)) oid = substr($0, RSTART + 6, RLENGTH - 7)
  match($0, /"productId":"[^"]*"/); prod = substr($0, RSTART + 13, RLENGTH - 14)
  match($0, /"amount":-?[0-9]+/); amount = substr($0, RSTART + 9, RLENGTH - 9) + 0
  head = "{\"seq\":" seq (oid != "" ? ",\"id\":\"" oid "\"" : "") ",\"op\":\"place\",\"productId\":\"" prod "\",\"amount\":" amount
  if (oid != "" && (oid in taken)) {
    print head ",\"status\":\"Rejected\",\"reason\":\"duplicate_id\",\"error\":\"duplicate order id " oid "\"}"
    next
  }
  if (oid != "") taken[oid] = 1
  if (stock[prod] < amount) {
    print head ",\"status\":\"Rejected\",\"reason\":\"insufficient_stock\",\"error\":\"not enough stock for product " prod ": got " stock[prod] ", want " amount "\"}"
    next
  }
  stock[prod] -= amount
  t = amount * price[prod]
  printf "%s,\"status\":\"Completed\",\"total\":%d.%02d}\n", head, int(t / 100), t % 100
}
