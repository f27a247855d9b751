#!/usr/bin/env bash
# The operator's walk-through against a running `npx hardhat node` (JSON-RPC on 127.0.0.1:8545, fresh):
# deploy, onboard, an escrow trade, HK -> PH remittances (paid out, rejected, expired). Every step is a
# Hardhat task as an operator would type it; the script only strings them together and picks ids out of
# their output. Run it from the repository root:  bash scripts/node-walkthrough.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RPC="${LOCALHOST_RPC_URL:-http://127.0.0.1:8545}"
# DEPLOYMENT_ID picks an Ignition deployment of its own (tests use one per run); default: chain-<chainId>.
DEPLOYMENT_ID="${DEPLOYMENT_ID:-}"
dep=(); [ -n "$DEPLOYMENT_ID" ] && dep=(--deployment "$DEPLOYMENT_ID")
H() { echo "+ hardhat $*" >&2; npx hardhat --network localhost "$@" "${dep[@]}"; }
rpc() { curl -s -X POST -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC" >/dev/null; }
# Shows a task's output and prints the 32-byte id that follows "$1" in it.
pick() { local out; out="$(cat)"; echo "$out" >&2; grep -oE "$1 0x[0-9a-f]{64}" <<<"$out" | head -1 | awk '{print $NF}'; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

# Hardhat's default accounts: #0 deployer, platform operator, token issuer; #1 fee collector.
HK=0x90F79bf6EB2c4f870365E785982E1f101E93b906      # 3: Harbour Pay (HK wallet) admin
BUYER=0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65   # 4: Kowloon Tea House (SME buyer) admin
PH=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc      # 5: Bayani Wallet (PH wallet) admin
BANK=0x976EA74026E726554dB657fA54763abd0C3a0aa9    # 6: Pearl River Settlement Bank admin
SELLER=0x14dC79964da2C08b23698B3D3cc7Ca32193d9955  # 7: Fujian Leaf Traders (SME seller) admin
ARBITER=0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f # 8: HKIAC Trade Desk (arbiter) admin
MENTOR=0xa0Ee7A142d267C1f36714E4a8F75612F20a79720  # 9: HK SME Mentors (sponsor) admin

deploy_id=(); [ -n "$DEPLOYMENT_ID" ] && deploy_id=(--deployment-id "$DEPLOYMENT_ID")
HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true npx hardhat ignition deploy deploy/modules/PlatformModule.ts \
  --network localhost --parameters deploy/parameters/localhost.json "${deploy_id[@]}"

# ---- tenants
H tenant onboard --tenant hk-sme-mentors --name "HK SME Mentors" --roles sponsor --jurisdiction HK --kyb kyb/mentors.pdf --admin $MENTOR
H tenant approve --tenant hk-sme-mentors
H tenant onboard --tenant hk-wallet --name "Harbour Pay" --roles payment-operator --jurisdiction HK --kyb kyb/hk.pdf --admin $HK
H tenant onboard --tenant ph-wallet --name "Bayani Wallet" --roles payment-operator --jurisdiction PH --kyb kyb/ph.pdf --admin $PH
H tenant onboard --tenant settlement-bank --name "Pearl River Bank" --roles liquidity-provider --jurisdiction HK --kyb kyb/bank.pdf --admin $BANK
H tenant onboard --tenant sme-tea-house --name "Kowloon Tea House" --roles merchant --jurisdiction HK --kyb kyb/tea-house.pdf --admin $BUYER --sponsor hk-sme-mentors
H tenant onboard --tenant sme-tea-farm --name "Fujian Leaf Traders" --roles merchant --jurisdiction HK --kyb kyb/tea-farm.pdf --admin $SELLER
H tenant onboard --tenant trade-arbiter --name "HKIAC Trade Desk" --roles arbiter --jurisdiction HK --kyb kyb/arbiter.pdf --admin $ARBITER
for t in hk-wallet ph-wallet settlement-bank sme-tea-house sme-tea-farm trade-arbiter; do H tenant approve --tenant $t; done
H tenant list

# ---- money: the issuer mints against fiat received
H token mint --token HKD --to $BUYER --amount 50000
H token mint --token HKD --to $HK --amount 1000000
H token mint --token PHP --to $BANK --amount 50000000

# ---- escrow: a milestone deal funded by permit, disputed and split; a release; a refund after the deadline
deal=$(H escrow open --from 4 --payee $SELLER --amount 12500 --milestones 2500,10000 --arbiter $ARBITER \
  --deadline 14d --reference PO-2026-0042 --permit | pick "Opened deal")
H escrow release-milestone --from 4 --deal "$deal"
H escrow dispute --from 7 --deal "$deal"
H escrow resolve --from 8 --deal "$deal" --payee-bps 6000
H escrow show --deal "$deal"
deal=$(H escrow open --from 4 --payee $SELLER --amount 150.25 --permit | pick "Opened deal")
H escrow release --from 4 --deal "$deal"
deal=$(H escrow open --from 4 --payee $SELLER --amount 99 --deadline 90s --permit | pick "Opened deal")
rpc evm_increaseTime '[120]'; rpc evm_mine '[]'
H escrow refund --from 9 --deal "$deal"
H escrow list --tenant sme-tea-house

# ---- remittances: corridor, liquidity, quote, send, confirm; then a rejection and an expiry
H remit corridor open --corridor HKD-PHP --source HKD --destination PHP --provider settlement-bank \
  --min 10 --max 50000 --daily-cap 1000000 --fee-fixed 5 --fee-bps 50 --window 1h --receiver-window 30s
H remit liquidity deposit --token PHP --amount 5000000 --from 6
H remit liquidity deposit --token HKD --amount 200000 --from 3
remit() { # client-ref [extra send options...]
  local ref="$1"; shift
  H remit quote --corridor HKD-PHP --sender hk-wallet --receiver ph-wallet --client-ref "$ref" --amount 1000 --rate 7.2450 \
    --spread-bps 35 --out "$work/$ref.json" --from 6 >&2
  H remit send --quote "$work/$ref.json" --to ph-wallet --recipient "ph/juan/0917-555-0101" \
    --compliance "travel-rule/$ref" --from 3 "$@" | pick "Remittance"
}
id=$(remit harbour-000001)
H remit confirm --id "$id" --payout-ref bayani/payout/000001 --from 5
H remit status --id "$id"
id=$(remit harbour-000002)
H remit reject --id "$id" --reason 17 --from 5
id=$(remit harbour-000003 --deadline 1m)
rpc evm_increaseTime '[400]'; rpc evm_mine '[]'
H remit refund --id "$id"
H remit list --tenant hk-wallet
H remit liquidity show --tenant settlement-bank
H remit fees --provider settlement-bank --token HKD --from 1
echo "walk-through complete"
