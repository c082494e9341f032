message_welcome() { echo -e "\e[1m$1\e[0m"; }
message_success() { echo -e "\e[32m$1\e[0m"; }
