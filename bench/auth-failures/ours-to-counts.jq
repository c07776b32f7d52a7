# `tokenward logs auth-failures --format json` reduced to the shape counts.jq prints.
def counts(f): (map({(f): .count}) | add) // {};
{failures, by_reason: (.by_reason | counts(.key)), by_token: (.tokens | counts(.id)), by_ip: (.by_ip | counts(.key)), unknown_by_ip: (.unknown_token_by_ip | counts(.key))}
