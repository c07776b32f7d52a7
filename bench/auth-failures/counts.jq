reduce (inputs | select(."meta.auth_fail_reason" != null or ."meta.auth_fail_token_id" != null or .status == 401)) as $l
  ({failures: 0, by_reason: {}, by_token: {}, by_ip: {}, unknown_by_ip: {}};
   .failures += 1
   | ($l.remote_ip // $l."meta.remote_ip" // "(none)") as $ip
   | if $l."meta.auth_fail_reason" == null and $l."meta.auth_fail_token_id" == null
     then .unknown_by_ip[$ip] += 1
     else (if $l."meta.auth_fail_reason" != null then .by_reason[$l."meta.auth_fail_reason"] += 1 else . end)
        | .by_ip[$ip] += 1
        | (if $l."meta.auth_fail_token_id" != null then .by_token[$l."meta.auth_fail_token_id"] += 1 else . end)
     end)
