import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The platform's tokenized fiat currencies: HKD and PHP, two decimals each as their cash is.
 *
 * Parameters (SettlementTokensModule):
 * - `issuer`: the account given the issuer, pauser and admin roles of both tokens; defaults to the deployer.
 */
export default buildModule("SettlementTokensModule", (m) => {
  const issuer = m.getParameter("issuer", m.getAccount(0));

  const hkd = m.contract("SettlementToken", ["Tokenized Hong Kong Dollar", "tHKD", "HKD", 2, issuer], {
    id: "tHKD",
  });
  const php = m.contract("SettlementToken", ["Tokenized Philippine Peso", "tPHP", "PHP", 2, issuer], {
    id: "tPHP",
  });

  return { hkd, php };
});
